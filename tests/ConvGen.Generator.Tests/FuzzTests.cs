using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace ConvGen.Generator.Tests;

/// <summary>
/// Random attribute usages through the driver (issue 5): the generator never throws, and every case either gets
/// exactly one CONVGEN diagnostic with nothing generated, or is an input the compiler itself rejects (and the
/// generator adds no error to it), or generates code that compiles with no error and no warning.
/// </summary>
public class FuzzTests(ITestOutputHelper log)
{
    private const int Seed = 20261101;
    private const int Cases = 2000;
    /// <summary>
    /// Successful random cases compiled besides the fixed edge shapes (which always are): compiling one generated
    /// file (0.1 to 3 MB of unrolled code) takes about a second, so only cases whose kernel has a structure not
    /// compiled before (tile methods, K, stride, dilation, chunking) are, up to this many.
    /// </summary>
    private const int CompiledCases = 16;

    /// <summary>One random usage, and what a plain reading of the rules expects (null: generated, or CONVGEN005 from the planner).</summary>
    private sealed record Case(int Index, string Source, string? ExpectedId, bool Large);

    [Fact]
    public void Random_attribute_usages_never_crash_the_generator_and_never_give_bad_code()
    {
        var random = new Random(Seed);
        var cases = FixedCases().Concat(Enumerable.Range(0, Cases).Select(i => RandomCase(random, i))).ToList();
        int diagnosed = 0, compilerRejected = 0, generated = 0, compiled = 0, compiledRandom = 0;
        var byId = new SortedDictionary<string, int>();
        var structures = new HashSet<string>();
        var failures = new List<string>();

        var generate = new System.Diagnostics.Stopwatch();
        var compile = new System.Diagnostics.Stopwatch();
        foreach (Case c in cases)
        {
            generate.Start();
            GeneratorOutput output = GeneratorRunner.Run(c.Source);
            _ = output.Sources;
            generate.Stop();
            string? Fail(string why) { failures.Add($"case {c.Index}: {why}\n{c.Source}"); return null; }

            if (output.Exception != null) { Fail($"generator threw {output.Exception}"); continue; }
            generate.Start();
            ImmutableDiagnostics inputErrors = new(output.InputDiagnostics);
            generate.Stop();
            if (output.GeneratorDiagnostics.Length > 0)
            {
                diagnosed++;
                Diagnostic d = output.GeneratorDiagnostics[0];
                byId[d.Id] = byId.GetValueOrDefault(d.Id) + 1;
                if (output.GeneratorDiagnostics.Length != 1 || !d.Id.StartsWith("CONVGEN", StringComparison.Ordinal))
                    Fail($"expected one CONVGEN diagnostic, got {GeneratorRunner.Format(output.GeneratorDiagnostics)}");
                else if (output.Sources.Count != 0) Fail("a diagnostic and generated code");
                else if (inputErrors.IsEmpty && c.ExpectedId != null && c.ExpectedId != d.Id)
                    Fail($"expected {c.ExpectedId}, got {d}");
                else if (inputErrors.IsEmpty && c.ExpectedId == null && d.Id != "CONVGEN005")
                    Fail($"expected code (or CONVGEN005), got {d}");
                else if (!inputErrors.SameAs(output.OutputDiagnostics))
                    Fail($"cascade: {GeneratorRunner.Format(output.OutputDiagnostics)}");
                continue;
            }
            if (!inputErrors.IsEmpty)
            {
                // The compiler's own error (non-constant argument, attribute on a struct, duplicated attribute...).
                compilerRejected++;
                if (!inputErrors.SameAs(output.OutputDiagnostics))
                    Fail($"the generator added diagnostics: {GeneratorRunner.Format(output.OutputDiagnostics)}");
                continue;
            }
            generated++;
            if (c.ExpectedId != null) { Fail($"expected {c.ExpectedId}, got generated code"); continue; }
            if (output.Sources.Count != 1) { Fail($"{output.Sources.Count} generated files"); continue; }
            if (c.Large || (compiledRandom < CompiledCases && structures.Add(Structure(output.Sources.Single().Value))))
            {
                compiled++;
                if (!c.Large) compiledRandom++;
                compile.Start();
                bool clean = output.OutputDiagnostics.IsEmpty;
                compile.Stop();
                if (!clean) Fail($"generated code does not compile cleanly:\n{GeneratorRunner.Format(output.OutputDiagnostics.Take(5))}");
            }
        }

        log.WriteLine($"{cases.Count} cases: {diagnosed} CONVGEN diagnostics ({string.Join(", ", byId.Select(p => $"{p.Key} {p.Value}"))}), " +
                      $"{compilerRejected} rejected by the compiler, {generated} generated ({compiled} compiled), {failures.Count} failures; generate {generate.Elapsed}, compile {compile.Elapsed}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases failed; first:\n{string.Join("\n\n", failures.Take(5))}\nall:\n{string.Join("\n", failures.Select(f => f.Split('\n')[0] + " " + f.Split('\n')[^3]))}");
        // The mix must really reach every outcome, or the fuzzer tests less than it claims.
        Assert.True(diagnosed > 300 && compilerRejected > 50 && generated > 300 && compiledRandom == CompiledCases && compiled > CompiledCases,
            $"diagnosed {diagnosed}, compiler-rejected {compilerRejected}, generated {generated}, compiled {compiled}");
        Assert.True(byId.Count == 8, $"ids reached: {string.Join(", ", byId.Keys)}");
    }

    /// <summary>What makes one generated kernel's code differ from another's, beyond the numbers in it.</summary>
    private static string Structure(string source) =>
        string.Join(" ", System.Text.RegularExpressions.Regex.Matches(source,
                @"// ConvGen kernel for Conv \d+->\d+ (K=\d+) G=\d+ (S=\d+) P=\d+ (D=\d+)|Tile_\w+|for \(int chunk|stay in registers|else if")
            .Select(m => m.Groups.Count > 1 && m.Groups[1].Success ? $"{m.Groups[1]} {m.Groups[2]} {m.Groups[3]}" : m.Value).Distinct());

    /// <summary>Warnings and errors of a compilation, compared by text.</summary>
    private readonly struct ImmutableDiagnostics(IEnumerable<Diagnostic> diagnostics)
    {
        private readonly string[] _text = diagnostics.Select(d => d.ToString()).Order().ToArray();
        public bool IsEmpty => _text.Length == 0;
        public bool SameAs(IEnumerable<Diagnostic> other) => _text.SequenceEqual(other.Select(d => d.ToString()).Order());
    }

    /// <summary>Edge shapes, always compiled: the largest the planner accepts, and its limits.</summary>
    private static IEnumerable<Case> FixedCases()
    {
        string Layer(string args) => $"using ConvGen;\nnamespace Fuzz;\n[GroupedConv({args})] public partial class Layer {{ }}\n";
        int i = -100;
        yield return new Case(i++, Layer("Cin = 1, Cout = 100000000, K = 1"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = 2, Cout = 32770, K = 1, Groups = 2"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = 2, Cout = 32768, K = 1, Groups = 2"), null, true);
        yield return new Case(i++, Layer("Cin = 100000000, Cout = 1, K = 1"), null, true);
        yield return new Case(i++, Layer("Cin = 2048, Cout = 2048, K = 11"), null, true);
        yield return new Case(i++, Layer("Cin = 2048, Cout = 2048, K = 11, Groups = 2048, Padding = 5"), null, true);
        yield return new Case(i++, Layer("Cin = 64, Cout = 64, K = 32, Groups = 64, Padding = 16, Dilation = 3, Stride = 4"), null, true);
        yield return new Case(i++, Layer("Cin = 4096, Cout = 4096, K = 1, Groups = 1"), null, true);
        yield return new Case(i++, Layer("Cin = 7, Cout = 7, K = 3, Dilation = 1000000, Stride = 3, Padding = 1000000"), null, true);
        yield return new Case(i++, Layer("Cin = 1, Cout = 1, K = 3, Dilation = 1073741795"), null, true);
        yield return new Case(i++, Layer("Cin = 1, Cout = 1, K = 3, Dilation = 1073741796"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = 1, Cout = 1, K = 11, Dilation = int.MaxValue"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = 1, Cout = 1, K = 32, Dilation = 100000000, Stride = 7"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = 1, Cout = 1, K = 3, Stride = int.MaxValue, Padding = int.MaxValue, Dilation = int.MaxValue"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = int.MaxValue, Cout = 1, K = 1"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = 46341, Cout = 1, K = 46341"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = 1073741824, Cout = 1073741824, K = 4"), "CONVGEN005", true);
        yield return new Case(i++, Layer("Cin = 48, Cout = 33, K = int.MaxValue, Groups = 3"), "CONVGEN005", true);
    }

    private static readonly string[] Properties = ["Cin", "Cout", "K", "Groups", "Stride", "Padding", "Dilation"];

    private static Case RandomCase(Random r, int index)
    {
        // Values: mostly a coherent shape (so that code is generated), sometimes a hostile one.
        bool hostile = r.Next(3) == 0;
        int groups = Pick(r, 1, 1, 2, 3, 4, 8, 16, 32);
        var values = new Dictionary<string, long>
        {
            ["Groups"] = groups,
            ["Cin"] = groups * r.Next(1, 17),
            ["Cout"] = groups * r.Next(1, 17) * (r.Next(8) == 0 ? 2 : 1),
            ["K"] = Pick(r, 1, 1, 3, 3, 3, 5, 7, 11, 2, 4),
            ["Stride"] = r.Next(1, 4),
            ["Padding"] = r.Next(0, 4),
            ["Dilation"] = r.Next(1, 3),
        };
        if (r.Next(10) == 0) values["Groups"] = 1;
        var omitted = new HashSet<string>();
        var expressions = new Dictionary<string, string>();
        foreach (string p in Properties)
        {
            if (hostile && r.Next(4) == 0) values[p] = HostileInt(r);
            if (r.Next(p is "Cin" or "Cout" or "K" ? 60 : 4) == 0) omitted.Add(p);
            expressions[p] = Expression(r, values[p], out bool constant);
            if (!constant && !omitted.Contains(p)) values[p] = long.MinValue; // marks "the compiler rejects it"
        }
        bool bias = r.Next(2) == 0, shuffle = r.Next(6) == 0;
        int activation = r.Next(12) switch { < 8 => r.Next(3), 8 => -1, 9 => 3, 10 => int.MaxValue, _ => r.Next(int.MinValue, int.MaxValue) };
        string activationText = activation is >= 0 and < 3 && r.Next(2) == 0
            ? "ConvActivation." + new[] { "None", "Relu", "Relu6" }[activation]
            : $"(ConvActivation)({activation})";

        var args = new List<string>();
        foreach (string p in Properties.OrderBy(_ => r.Next()))
            if (!omitted.Contains(p)) args.Add($"{p} = {expressions[p]}");
        if (r.Next(2) == 0) args.Add($"Bias = {(bias ? "true" : "false")}");
        else bias = false;
        if (r.Next(2) == 0) args.Add($"ShuffleOutput = {(shuffle ? "true" : "false")}");
        else shuffle = false;
        if (r.Next(3) != 0) args.Add($"Activation = {activationText}");
        else activation = 0;
        string attribute = $"[GroupedConv({string.Join(", ", args)})]";
        if (r.Next(40) == 0) attribute += "\n[GroupedConv(Cin = 8, Cout = 8, K = 3)]";

        (string source, string? kindId) = Wrap(r, attribute);
        string? expected = kindId ?? ExpectedForShape(values, omitted, shuffle, activation);
        return new Case(index, source, expected, false);
    }

    private static int Pick(Random r, params int[] options) => options[r.Next(options.Length)];

    private static long HostileInt(Random r) => r.Next(9) switch
    {
        0 => 0,
        1 => -1,
        2 => int.MaxValue,
        3 => int.MinValue,
        4 => -r.Next(1, 1000),
        5 => r.Next(),
        6 => 2048,
        7 => r.Next(12, 40),
        _ => r.Next(1, 100000),
    };

    /// <summary>An int as source text: a literal, a constant expression, a const field, or something not constant.</summary>
    private static string Expression(Random r, long value, out bool constant)
    {
        constant = true;
        string literal = value switch { int.MaxValue => "int.MaxValue", int.MinValue => "int.MinValue", _ => $"{value}" };
        switch (r.Next(40))
        {
            case 0: constant = false; return "System.Environment.ProcessorCount";
            case 1: constant = false; return $"int.Parse(\"{value}\")";
            case 2: return value == 8 ? "Sizes.Eight" : literal;
            case 3: return value == int.MinValue ? literal : $"({value - 1} + 1)";
            default: return literal;
        }
    }

    /// <summary>Puts the attribute on a random kind of type; returns the source and the id the kind alone calls for.</summary>
    private static (string Source, string? Id) Wrap(Random r, string attribute)
    {
        const string header = "using ConvGen;\n";
        const string sizes = "\nstatic class Sizes { public const int Eight = 8; }\n";
        string ns = "namespace Fuzz;\n";
        return r.Next(26) switch
        {
            0 => (header + ns + $"{attribute} public partial struct Layer {{ }}" + sizes, null),
            1 => (header + ns + $"{attribute} public partial record Layer {{ }}" + sizes, "CONVGEN008"),
            2 => (header + ns + $"{attribute} public partial record struct Layer {{ }}" + sizes, null),
            3 => (header + ns + $"{attribute} public static partial class Layer {{ }}" + sizes, "CONVGEN008"),
            4 => (header + ns + $"{attribute} public partial class Layer<T> {{ }}" + sizes, "CONVGEN004"),
            5 => (header + ns + $"public partial class Outer<T> {{ {attribute} public partial class Layer {{ }} }}" + sizes, "CONVGEN004"),
            6 => (header + ns + $"{attribute} file partial class Layer {{ }}" + sizes, "CONVGEN008"),
            7 => (header + $"{attribute} partial class Layer {{ }}" + sizes, null),
            8 => (header + ns + $"{attribute} public class Layer {{ }}" + sizes, "CONVGEN001"),
            9 => (header + ns + $"public class Outer {{ {attribute} public partial class Layer {{ }} }}" + sizes, "CONVGEN001"),
            10 => (header + ns + $"public partial class Outer {{ internal partial struct Mid {{ {attribute} private sealed partial class Layer {{ }} }} }}" + sizes, null),
            11 => (header + ns + $"{attribute} public abstract partial class Layer {{ }}" + sizes, null),
            12 => (header + ns + $"{attribute} public partial interface Layer {{ }}" + sizes, null),
            13 => (header + "namespace Fuzz.Deep.Er\n{\n" + $"    {attribute} internal partial class Layer {{ }}\n}}" + sizes, null),
            _ => (header + ns + $"{attribute} public partial class Layer {{ }}" + sizes, null),
        };
    }

    /// <summary>The rules read plainly: the first CONVGEN id a shape calls for, or null (code, or CONVGEN005 from the planner).</summary>
    private static string? ExpectedForShape(Dictionary<string, long> v, HashSet<string> omitted, bool shuffle, int activation)
    {
        if (v.Values.Any(x => x == long.MinValue)) return null; // the compiler rejects the argument
        if (omitted.Contains("Cin") || omitted.Contains("Cout") || omitted.Contains("K")) return "CONVGEN002";
        long Get(string p, long fallback) => omitted.Contains(p) ? fallback : v[p];
        double cin = Get("Cin", 0), cout = Get("Cout", 0), k = Get("K", 0), groups = Get("Groups", 1),
            stride = Get("Stride", 1), padding = Get("Padding", 0), dilation = Get("Dilation", 1);
        if (cin < 1 || cout < 1 || k < 1 || groups < 1 || stride < 1 || dilation < 1 || padding < 0) return "CONVGEN002";
        if (cin % groups != 0 || cout % groups != 0) return "CONVGEN003";
        if (cout * (cin / groups) * k * k > 0x7FFFFFC7 || cin > 0x7FFFFFC7 || cout > 0x7FFFFFC7) return "CONVGEN005";
        if ((k - 1) * dilation + 1 > 0x7FFFFFC7) return "CONVGEN005";
        if (shuffle && groups == 1) return "CONVGEN006";
        if (activation is < 0 or > 2) return "CONVGEN007";
        return null;
    }
}
