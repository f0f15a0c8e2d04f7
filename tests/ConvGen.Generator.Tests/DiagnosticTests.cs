using System.Linq;
using Microsoft.CodeAnalysis;

namespace ConvGen.Generator.Tests;

/// <summary>Every CONVGEN diagnostic: exactly one, on the attribute or the class name, and no other error from anyone.</summary>
public class DiagnosticTests
{
    private const string Attribute = "attribute", Name = "name";

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // id, declaration, where ("attribute" or "name"), text expected in the message
        { "CONVGEN001", "[GroupedConv(Cin = 8, Cout = 8, K = 3)] public class Layer { }", Name, "'Layer' must be declared partial" },
        { "CONVGEN001", "public class Outer { [GroupedConv(Cin = 8, Cout = 8, K = 3)] public partial class Layer { } }", Name, "'Outer' must be declared partial" },
        { "CONVGEN002", "[GroupedConv(Cin = 0, Cout = 8, K = 3)] public partial class Layer { }", Attribute, "Cin must be 1 or more, but is 0" },
        { "CONVGEN002", "[GroupedConv(Cin = 8, Cout = 8)] public partial class Layer { }", Attribute, "K is required" },
        { "CONVGEN002", "[GroupedConv(Cin = 8, Cout = 8, K = 3, Padding = -1)] public partial class Layer { }", Attribute, "Padding must be 0 or more" },
        { "CONVGEN002", "[GroupedConv(Cin = 8, Cout = 8, K = 3, Stride = int.MinValue)] public partial class Layer { }", Attribute, "Stride must be 1 or more" },
        { "CONVGEN003", "[GroupedConv(Cin = 10, Cout = 8, K = 3, Groups = 4)] public partial class Layer { }", Attribute, "Cin = 10 is not divisible by Groups = 4" },
        { "CONVGEN003", "[GroupedConv(Cin = 8, Cout = 6, K = 3, Groups = 4)] public partial class Layer { }", Attribute, "Cout = 6 is not divisible by Groups = 4" },
        { "CONVGEN004", "[GroupedConv(Cin = 8, Cout = 8, K = 3)] public partial class Layer<T> { }", Name, "'Layer' is generic" },
        { "CONVGEN004", "public partial class Outer<T> { [GroupedConv(Cin = 8, Cout = 8, K = 3)] public partial class Layer { } }", Name, "nested in a generic type" },
        { "CONVGEN005", "[GroupedConv(Cin = 8, Cout = 8, K = 13)] public partial class Layer { }", Attribute, "more than the 1024 one tile method may unroll" },
        { "CONVGEN005", "[GroupedConv(Cin = 65536, Cout = 65536, K = 3)] public partial class Layer { }", Attribute, "exceed the largest array" },
        { "CONVGEN005", "[GroupedConv(Cin = 1073741824, Cout = 1073741824, K = 4)] public partial class Layer { }", Attribute, "exceed the largest array" },
        { "CONVGEN005", "[GroupedConv(Cin = 1, Cout = 1, K = 3, Dilation = int.MaxValue)] public partial class Layer { }", Attribute, "the dilated kernel, (K-1)·Dilation + 1 = 4294967295 positions" },
        { "CONVGEN005", "[GroupedConv(Cin = 1, Cout = 100000, K = 1)] public partial class Layer { }", Attribute, "at most 16384 output channels per group" },
        { "CONVGEN006", "[GroupedConv(Cin = 8, Cout = 8, K = 1, ShuffleOutput = true)] public partial class Layer { }", Attribute, "ShuffleOutput needs Groups > 1" },
        { "CONVGEN007", "[GroupedConv(Cin = 8, Cout = 8, K = 1, Activation = (ConvActivation)3)] public partial class Layer { }", Attribute, "Activation = 3 is not a ConvActivation" },
        { "CONVGEN007", "[GroupedConv(Cin = 8, Cout = 8, K = 1, Activation = (ConvActivation)(-1))] public partial class Layer { }", Attribute, "Activation = -1" },
        { "CONVGEN008", "[GroupedConv(Cin = 8, Cout = 8, K = 3)] public partial record Layer { }", Name, "'Layer' is a record" },
        { "CONVGEN008", "[GroupedConv(Cin = 8, Cout = 8, K = 3)] public static partial class Layer { }", Name, "'Layer' is static" },
        { "CONVGEN008", "[GroupedConv(Cin = 8, Cout = 8, K = 3)] file partial class Layer { }", Name, "'Layer' is file-local" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_exactly_one_diagnostic_where_the_mistake_is(string id, string declaration, string where, string message)
    {
        string source = $"using ConvGen;\nnamespace App;\n{declaration}\n";
        GeneratorOutput output = GeneratorRunner.Run(source);

        Assert.Null(output.Exception);
        Diagnostic diagnostic = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage());

        // The location: the attribute (without its brackets) or the attributed class's identifier.
        FileLinePositionSpan lines = diagnostic.Location.GetLineSpan();
        Assert.Equal("Layer.cs", lines.Path);
        string located = source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
        if (where == Attribute) Assert.StartsWith("GroupedConv(", located);
        else Assert.Equal("Layer", located);
        Assert.Equal(source[..diagnostic.Location.SourceSpan.Start].Count(c => c == '\n'), lines.StartLinePosition.Line);

        // No cascade: nothing is generated and the compilation says no more than the compiler alone would (here: nothing).
        Assert.Empty(output.Sources);
        Assert.Empty(output.InputDiagnostics);
        Assert.Empty(output.OutputDiagnostics);
    }

    [Fact]
    public void Every_descriptor_id_is_covered()
    {
        string[] covered = Cases().Select(row => (string)row[0]).Distinct().Order().ToArray();
        string[] declared = typeof(DiagnosticDescriptors)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).Order().ToArray();
        Assert.Equal(declared, covered);
        Assert.All(declared, id => Assert.Equal(id, DiagnosticDescriptors.ById(id).Id));
    }

    [Fact]
    public void Valid_layers_give_no_diagnostics_and_compile_without_warnings()
    {
        // Three of the snapshot layers (ConsumerCompileTests compiles many more); compiling is the slow part.
        string[] declarations = SnapshotTests.Layers().Select(row => (string)row[1])
            .Where(d => d.Contains("class Seed ") || d.Contains("class Depthwise ") || d.Contains("class Shuffle ")).ToArray();
        Assert.Equal(3, declarations.Length);
        GeneratorOutput output = GeneratorRunner.Run($"using ConvGen;\nnamespace App;\n{string.Join("\n", declarations)}\n");

        Assert.Null(output.Exception);
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Equal(declarations.Length, output.Sources.Count);
        Assert.True(output.OutputDiagnostics.IsEmpty, GeneratorRunner.Format(output.OutputDiagnostics));
    }

    /// <summary>A non-constant argument is the compiler's error to report (CS0182); the generator adds nothing.</summary>
    [Fact]
    public void Argument_the_compiler_rejects_gets_no_diagnostic_of_ours()
    {
        GeneratorOutput output = GeneratorRunner.Run(
            "using ConvGen;\nnamespace App;\n[GroupedConv(Cin = System.Environment.ProcessorCount, Cout = 8, K = 3)] public partial class Layer { }\n");
        Assert.Null(output.Exception);
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.Sources);
        Assert.Equal("CS0182", Assert.Single(output.InputDiagnostics).Id);
        Assert.Equal(output.InputDiagnostics.Select(d => d.ToString()), output.OutputDiagnostics.Select(d => d.ToString()));
    }
}
