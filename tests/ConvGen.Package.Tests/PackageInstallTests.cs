using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace ConvGen.Package.Tests;

/// <summary>
/// What a new user does: install the package into a fresh console project, write the attribute, build with
/// warnings as errors, run. Slow (a pack and two consumer builds, about half a minute warm); filter it out with
/// <c>--filter Category!=Package</c> when iterating on something else.
/// </summary>
[Trait("Category", "Package")]
public sealed class PackageInstallTests(PackageFeed feed) : IClassFixture<PackageFeed>
{
    private const string Layers = """
        using ConvGen;

        namespace Consumer;

        /// <summary>The seed layer: 256 channels in 32 groups of 8, 3×3, same padding.</summary>
        [GroupedConv(Cin = 256, Cout = 256, K = 3, Groups = 32, Padding = 1)]
        internal sealed partial class SeedLayer;

        /// <summary>A small downsampling layer with a bias and a fused ReLU6.</summary>
        [GroupedConv(Cin = 8, Cout = 16, K = 3, Groups = 4, Stride = 2, Padding = 1, Bias = true,
            Activation = ConvActivation.Relu6)]
        internal sealed partial class DownsampleRelu6;

        """;

    private const string Program = """
        using ConvGen;
        using Consumer;

        HarnessReport[] reports =
        [
            ConvHarness.Check(SeedLayer.Spec, (weights, bias) => new SeedLayer(weights, bias)),
            ConvHarness.Check(DownsampleRelu6.Spec, (weights, bias) => new DownsampleRelu6(weights, bias)),
        ];
        foreach (HarnessReport report in reports)
            Console.Write(report.ToString());
        bool passed = reports.All(r => r.Passed);
        Console.WriteLine($"Vector256 + FMA tiles: {ConvEngine.IsAccelerated}");
        Console.WriteLine($"{reports.Length} generated kernels against the reference: {(passed ? "PASS" : "FAIL")}");
        return passed ? 0 : 1;

        """;

    [Fact]
    public void PackageHoldsTheRuntimeAsALibraryAndTheGeneratorAsAnAnalyzer()
    {
        Assert.True(feed.Package != null, feed.Pack.ToString());
        using ZipArchive package = ZipFile.OpenRead(feed.Package);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        string listing = "The package holds:\n" + string.Join('\n', entries.Order());
        foreach (string expected in new[] { "lib/net10.0/ConvGen.dll", "lib/net10.0/ConvGen.xml",
                     "analyzers/dotnet/cs/ConvGen.Generator.dll", "PACKAGE.md" })
            Assert.True(entries.Contains(expected), $"{expected} is missing. {listing}");
        Assert.True(entries.Count(e => e.EndsWith("ConvGen.Generator.dll", StringComparison.Ordinal)) == 1,
            $"The generator must be packed once, as an analyzer only. {listing}");

        using Stream nuspecStream = package.Entries.Single(e => e.FullName == "ConvGen.nuspec").Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal("ConvGen", Field("id"));
        Assert.Equal(feed.Version, Field("version"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("PACKAGE.md", Field("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field("description")));
        Assert.False(string.IsNullOrWhiteSpace(Field("tags")));
        Assert.Equal("git", metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("type")?.Value);
        Assert.DoesNotContain(metadata.Descendants(), e => e.Name.LocalName == "dependency"); // the generator is no dependency
    }

    [Fact]
    public void FreshConsoleProjectBuildsWithWarningsAsErrorsAndMatchesTheReference()
    {
        Assert.True(feed.Package != null, feed.Pack.ToString());
        string project = feed.CreateConsumer("Consumer", new Dictionary<string, string>
        {
            ["Layers.cs"] = Layers,
            ["Program.cs"] = Program,
        });

        DotNetResult build = feed.Build(project);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(Directory.Exists(Path.Combine(feed.PackagesFolder, "convgen", feed.Version)),
            $"ConvGen {feed.Version} was not restored into the private package folder.\n{build}");

        // EmitCompilerGeneratedFiles writes the kernels where the README says a user finds them.
        string generated = Path.Combine(project, "obj", "Release", "net10.0", "generated", "ConvGen.Generator",
            "ConvGen.Generator.GroupedConvGenerator");
        Assert.True(File.Exists(Path.Combine(generated, "Consumer.SeedLayer.g.cs")), build.ToString());
        Assert.True(File.Exists(Path.Combine(generated, "Consumer.DownsampleRelu6.g.cs")), build.ToString());

        DotNetResult run = feed.Run(project);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("SeedLayer [", run.Output);
        Assert.Contains("DownsampleRelu6 [", run.Output);
        Assert.Contains("2 generated kernels against the reference: PASS", run.Output);
    }

    [Fact]
    public void InvalidLayerFailsTheBuildWithADiagnosticLinkedToTheReadme()
    {
        Assert.True(feed.Package != null, feed.Pack.ToString());
        string project = feed.CreateConsumer("BadConsumer", new Dictionary<string, string>
        {
            ["Layers.cs"] = """
                using ConvGen;

                namespace Consumer;

                /// <summary>6 input channels do not split into 4 groups.</summary>
                [GroupedConv(Cin = 6, Cout = 8, K = 3, Groups = 4)]
                internal sealed partial class Uneven;

                """,
            ["Program.cs"] = "System.Console.WriteLine(typeof(Consumer.Uneven).Name);\n",
        });

        DotNetResult build = feed.Build(project);
        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.True(build.Output.Contains("error CONVGEN003", StringComparison.Ordinal), build.ToString());
        Assert.True(build.Output.Contains("README.md#convgen003", StringComparison.Ordinal), build.ToString());
    }
}
