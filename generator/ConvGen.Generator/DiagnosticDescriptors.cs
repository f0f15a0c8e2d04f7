using Microsoft.CodeAnalysis;

namespace ConvGen.Generator;

/// <summary>Every diagnostic the generator reports. Ids are tracked in AnalyzerReleases.*.md and documented in the README.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "ConvGen";
    private const string HelpBase = "https://github.com/convgen/convgen/blob/main/README.md#";

    private static DiagnosticDescriptor Error(string id, string title, string format) =>
        new(id, title, format, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor NotPartial = Error("CONVGEN001",
        "The attributed class must be partial",
        "'{0}' must be declared partial (and so must every type containing it) so that ConvGen can add the kernel to it");

    public static readonly DiagnosticDescriptor InvalidSize = Error("CONVGEN002",
        "A size in [GroupedConv] is out of range",
        "[GroupedConv] on '{0}': {1}");

    public static readonly DiagnosticDescriptor NotDivisible = Error("CONVGEN003",
        "Channels are not divisible by Groups",
        "[GroupedConv] on '{0}': {1}");

    public static readonly DiagnosticDescriptor Generic = Error("CONVGEN004",
        "Generic types are not supported",
        "'{0}' is generic or nested in a generic type; ConvGen kernels must be non-generic classes");

    public static readonly DiagnosticDescriptor TooLarge = Error("CONVGEN005",
        "The layer is too large to unroll",
        "[GroupedConv] on '{0}': {1}");

    public static readonly DiagnosticDescriptor ShuffleNeedsGroups = Error("CONVGEN006",
        "ShuffleOutput needs Groups > 1",
        "[GroupedConv] on '{0}': {1}");

    public static readonly DiagnosticDescriptor InvalidActivation = Error("CONVGEN007",
        "Unknown activation",
        "[GroupedConv] on '{0}': Activation = {1} is not a ConvActivation (None, Relu or Relu6)");

    public static readonly DiagnosticDescriptor UnsupportedType = Error("CONVGEN008",
        "The attributed type cannot hold a kernel",
        "'{0}' is {1}; [GroupedConv] needs a non-static, non-file-local, non-record partial class");

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "CONVGEN001" => NotPartial,
        "CONVGEN002" => InvalidSize,
        "CONVGEN003" => NotDivisible,
        "CONVGEN004" => Generic,
        "CONVGEN005" => TooLarge,
        "CONVGEN006" => ShuffleNeedsGroups,
        "CONVGEN007" => InvalidActivation,
        _ => UnsupportedType,
    };
}
