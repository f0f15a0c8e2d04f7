using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using ConvGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvGen.Generator.Tests;

/// <summary>One run of the generator over some source: what it emitted and reported, and the compilations around it.</summary>
internal sealed record GeneratorOutput(
    CSharpCompilation Input,
    Compilation Output,
    GeneratorDriverRunResult Run,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>The generated files' text by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Run.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>The exception the generator threw, if any (the compiler would report it as CS8785).</summary>
    public Exception? Exception => Run.Results.Select(r => r.Exception).FirstOrDefault(e => e != null);

    /// <summary>Diagnostics of the input compilation alone (what the compiler says without the generator), warnings and up.</summary>
    public ImmutableArray<Diagnostic> InputDiagnostics => Warnings(Input.GetDiagnostics());

    /// <summary>Diagnostics of the compilation with the generated code, warnings and up.</summary>
    public ImmutableArray<Diagnostic> OutputDiagnostics => Warnings(Output.GetDiagnostics());

    private static ImmutableArray<Diagnostic> Warnings(ImmutableArray<Diagnostic> diagnostics) =>
        diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
}

/// <summary>Builds compilations against .NET 10 reference assemblies plus ConvGen.dll and runs the generator over them.</summary>
internal static class GeneratorRunner
{
    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    /// <summary>Strict options, as a consumer with warnings as errors and every warning wave would have them.</summary>
    public static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithWarningLevel(9999)
        .WithGeneralDiagnosticOption(ReportDiagnostic.Error)
        .WithOptimizationLevel(OptimizationLevel.Release);

    public static readonly ImmutableArray<MetadataReference> References =
        [.. Basic.Reference.Assemblies.Net100.References.All,
         MetadataReference.CreateFromFile(typeof(ConvGen.ConvSpec).Assembly.Location)];

    private static readonly CSharpCompilation Empty = CSharpCompilation.Create("Consumer", [], References, Options);

    public static SyntaxTree Parse(string source, string path = "Layer.cs") =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    public static CSharpCompilation Compilation(params string[] sources) =>
        Empty.AddSyntaxTrees(sources.Select((s, i) => Parse(s, i == 0 ? "Layer.cs" : $"File{i}.cs")));

    public static GeneratorDriver Driver(bool track = false) =>
        CSharpGeneratorDriver.Create(
            [new GroupedConvGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    public static GeneratorOutput Run(params string[] sources) => Run(Compilation(sources));

    public static GeneratorOutput Run(CSharpCompilation input)
    {
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorOutput(input, output, driver.GetRunResult(), diagnostics);
    }

    /// <summary>The one generated file of a run (fails if there is not exactly one).</summary>
    public static string SingleSource(this GeneratorOutput output)
    {
        Assert.Null(output.Exception);
        Assert.Empty(output.GeneratorDiagnostics);
        return Assert.Single(output.Sources).Value;
    }

    public static string Format(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));
}
