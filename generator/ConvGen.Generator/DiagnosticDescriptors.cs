using Microsoft.CodeAnalysis;

namespace ConvGen.Generator;

/// <summary>Every diagnostic the generator reports. Ids are tracked in AnalyzerReleases.*.md and documented in the README.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "ConvGen";
    private const string HelpBase = "https://github.com/convgen/convgen/blob/main/README.md#";

    // Each descriptor is a plain `new(...)` with constant id, category and severity: the release-tracking analyzer
    // (RS2000/RS2001) reads those arguments only there, and would not see a severity passed through a helper.
    private static string HelpLink(string id) => HelpBase + id.ToLowerInvariant();

    public static readonly DiagnosticDescriptor NotPartial = new("CONVGEN001",
        "The attributed class must be partial",
        "'{0}' must be declared partial (and so must every type containing it) so that ConvGen can add the kernel to it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("CONVGEN001"));

    public static readonly DiagnosticDescriptor InvalidSize = new("CONVGEN002",
        "A size in [GroupedConv] is out of range",
        "[GroupedConv] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("CONVGEN002"));

    public static readonly DiagnosticDescriptor NotDivisible = new("CONVGEN003",
        "Channels are not divisible by Groups",
        "[GroupedConv] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("CONVGEN003"));

    public static readonly DiagnosticDescriptor Generic = new("CONVGEN004",
        "Generic types are not supported",
        "'{0}' is generic or nested in a generic type; ConvGen kernels must be non-generic classes",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("CONVGEN004"));

    public static readonly DiagnosticDescriptor TooLarge = new("CONVGEN005",
        "The layer is too large to unroll",
        "[GroupedConv] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("CONVGEN005"));

    public static readonly DiagnosticDescriptor ShuffleNeedsGroups = new("CONVGEN006",
        "ShuffleOutput needs Groups > 1",
        "[GroupedConv] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("CONVGEN006"));

    public static readonly DiagnosticDescriptor InvalidActivation = new("CONVGEN007",
        "Unknown activation",
        "[GroupedConv] on '{0}': Activation = {1} is not a ConvActivation (None, Relu or Relu6)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("CONVGEN007"));

    public static readonly DiagnosticDescriptor UnsupportedType = new("CONVGEN008",
        "The attributed type cannot hold a kernel",
        "'{0}' is {1}; [GroupedConv] needs a non-static, non-file-local, non-record partial class",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("CONVGEN008"));

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
