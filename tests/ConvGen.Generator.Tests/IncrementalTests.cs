using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ConvGen.Generator.Tests;

/// <summary>An unrelated edit re-runs nothing, and no step of the pipeline holds a Roslyn object.</summary>
public class IncrementalTests
{
    private static readonly string[] TrackedSteps =
    [
        GroupedConvGenerator.TrackingNames.Parse,
        GroupedConvGenerator.TrackingNames.Models,
        GroupedConvGenerator.TrackingNames.Diagnostics,
    ];

    // One valid layer and one with a diagnostic, so that both the Models and the Diagnostics steps have outputs.
    private const string Layers = """
        using ConvGen;
        namespace App;
        [GroupedConv(Cin = 16, Cout = 16, K = 3, Groups = 2, Padding = 1)] public partial class Good { }
        [GroupedConv(Cin = 10, Cout = 8, K = 3, Groups = 4)] public partial class Bad { }
        """;

    private const string Unrelated = "namespace App; public static class Helper { public static int One() => 1; }";

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        CSharpCompilation compilation = GeneratorRunner.Compilation(Layers, Unrelated);
        GeneratorDriver driver = GeneratorRunner.Driver(track: true).RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        foreach (string step in TrackedSteps)
            Assert.True(first.TrackedSteps.ContainsKey(step), $"step {step} did not run");
        Assert.Single(first.GeneratedSources);
        Assert.Equal("CONVGEN003", Assert.Single(first.Diagnostics).Id);
        return (driver, compilation);
    }

    private static void AssertNothingRecomputed(GeneratorDriver driver)
    {
        GeneratorRunResult second = driver.GetRunResult().Results.Single();
        Assert.Null(second.Exception);
        foreach (string step in TrackedSteps)
        {
            Assert.True(second.TrackedSteps.TryGetValue(step, out var runs), $"step {step} missing on the second run");
            var outputs = runs.SelectMany(run => run.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step {step}: output {o.Value} is {o.Reason}"));
        }
        // The diagnostic is still reported after the cached run.
        Assert.Equal("CONVGEN003", Assert.Single(second.Diagnostics).Id);
        Assert.Single(second.GeneratedSources);
    }

    [Fact]
    public void Adding_an_unrelated_file_recomputes_nothing()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(GeneratorRunner.Parse("namespace App; class Another { }", "Another.cs")));
        AssertNothingRecomputed(driver);
    }

    [Fact]
    public void Editing_an_unrelated_file_recomputes_nothing()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "File1.cs");
        SyntaxTree edited = GeneratorRunner.Parse(Unrelated.Replace("=> 1", "=> 2"), "File1.cs");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        AssertNothingRecomputed(driver);
    }

    [Fact]
    public void Editing_the_attribute_recomputes_the_layer()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Layer.cs");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, GeneratorRunner.Parse(Layers.Replace("Padding = 1", "Padding = 2"), "Layer.cs")));
        GeneratorRunResult second = driver.GetRunResult().Results.Single();
        Assert.Contains(second.TrackedSteps[GroupedConvGenerator.TrackingNames.Models].SelectMany(r => r.Outputs),
            o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Padding: 2", second.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void No_step_output_holds_a_Roslyn_object()
    {
        (GeneratorDriver driver, _) = FirstRun();
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        int walked = 0;
        foreach (string step in TrackedSteps)
        foreach (IncrementalGeneratorRunStep stepRun in run.TrackedSteps[step])
        foreach ((object value, _) in stepRun.Outputs)
        {
            AssertNoRoslynObject(value, $"{step} output", new HashSet<object>(ReferenceEqualityComparer.Instance));
            walked++;
        }
        Assert.True(walked >= 3, $"only {walked} outputs walked");
    }

    [Fact]
    public void The_walk_finds_a_Roslyn_object_in_a_nested_field()
    {
        var holder = new { Inner = new[] { new KeyValuePair<string, object>("x", GeneratorRunner.Parse("class C { }").GetRoot()) } };
        Assert.ThrowsAny<Exception>(() => AssertNoRoslynObject(holder, "holder", new HashSet<object>(ReferenceEqualityComparer.Instance)));
    }

    private static readonly Type[] RoslynTypes =
        [typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(Location), typeof(SemanticModel), typeof(SyntaxTree), typeof(AttributeData)];

    /// <summary>Walks fields (records, structs, arrays, EquatableArray's backing array) and fails on any Roslyn object.</summary>
    private static void AssertNoRoslynObject(object? value, string path, HashSet<object> seen)
    {
        if (value == null) return;
        Type type = value.GetType();
        Assert.False(RoslynTypes.Any(t => t.IsAssignableFrom(type)), $"{path} holds a {type.FullName}");
        Assert.False(type == typeof(SyntaxToken) || type == typeof(SyntaxTrivia), $"{path} holds a {type.Name}");
        if (type.IsPrimitive || type.IsEnum || value is string || value is decimal) return;
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items && type.IsArray)
        {
            int i = 0;
            foreach (object? item in items) AssertNoRoslynObject(item, $"{path}[{i++}]", seen);
            return;
        }
        for (Type? t = type; t != null && t != typeof(object); t = t.BaseType)
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                AssertNoRoslynObject(field.GetValue(value), $"{path}.{field.Name}", seen);
    }
}
