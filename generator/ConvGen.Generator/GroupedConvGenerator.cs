using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvGen.Generator;

/// <summary>
/// Turns <c>[GroupedConv(...)]</c> on a partial class into a grouped-convolution kernel specialised for that
/// shape. The pipeline only: parsing is in GroupedConvGenerator.Parser.cs, tile planning in TilePlanner.cs,
/// text in GroupedConvGenerator.Emitter.cs.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class GroupedConvGenerator : IIncrementalGenerator
{
    internal const string AttributeName = "ConvGen.GroupedConvAttribute";

    /// <summary>Names of the tracked pipeline steps, for incrementality tests.</summary>
    internal static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Models = nameof(Models);
        public const string Diagnostics = nameof(Diagnostics);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(AttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, token) => Parse(ctx, token))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<LayerModel> models = results
            .Where(static r => r.Model != null)
            .Select(static (r, _) => r.Model!)
            .WithTrackingName(TrackingNames.Models);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Where(static r => r.Diagnostics.Count > 0)
            .Select(static (r, _) => r.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(models, static (spc, model) =>
        {
            KernelPlan wide = TilePlanner.Plan(model.Spec, TilePlanner.WideRegisters, out _)!;
            KernelPlan narrow = TilePlanner.Plan(model.Spec, TilePlanner.NarrowRegisters, out _)!;
            spc.AddSource(model.HintName, Emit(model, wide, narrow));
        });

        context.RegisterSourceOutput(diagnostics, static (spc, infos) =>
        {
            foreach (DiagnosticInfo info in infos)
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById(info.Id),
                    info.Location?.ToLocation() ?? Location.None, info.Arguments.ToArray<object>()));
        });
    }
}
