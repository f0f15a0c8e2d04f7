using ConvGen.Generator;

namespace ConvGen.Generator.Tests;

/// <summary>The generated source for representative attributes, compared with Snapshots/*.verified.cs (see README.md).</summary>
public class SnapshotTests
{
    public static TheoryData<string, string> Layers() => new()
    {
        { "Seed", "[GroupedConv(Cin = 256, Cout = 256, K = 3, Groups = 32, Padding = 1)] public partial class Seed { }" },
        { "Depthwise", "[GroupedConv(Cin = 32, Cout = 32, K = 3, Groups = 32, Padding = 1)] public partial class Depthwise { }" },
        { "Pointwise240G3", "[GroupedConv(Cin = 240, Cout = 240, K = 1, Groups = 3)] public partial class Pointwise240G3 { }" },
        { "Stride2", "[GroupedConv(Cin = 64, Cout = 128, K = 3, Groups = 4, Stride = 2, Padding = 1)] public partial class Stride2 { }" },
        { "Dilation2", "[GroupedConv(Cin = 16, Cout = 16, K = 3, Groups = 2, Padding = 2, Dilation = 2)] public partial class Dilation2 { }" },
        { "BiasRelu6", "[GroupedConv(Cin = 24, Cout = 48, K = 3, Groups = 24, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)] internal sealed partial class BiasRelu6 { }" },
        { "K7Stem", "[GroupedConv(Cin = 3, Cout = 24, K = 7, Stride = 2, Padding = 3, Activation = ConvActivation.Relu)] public partial class K7Stem { }" },
        { "Shuffle", "[GroupedConv(Cin = 12, Cout = 12, K = 1, Groups = 4, ShuffleOutput = true)] public partial class Shuffle { }" },
        { "RowTiles16", "[GroupedConv(Cin = 8, Cout = 32, K = 3, Groups = 2, Padding = 1, Bias = true)] public partial class RowTiles16 { }" },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void Generated_source_matches_snapshot(string name, string declaration)
    {
        string source = $"using ConvGen;\nnamespace Models;\n{declaration}\n";
        Snapshot.Verify(name, GeneratorRunner.Run(source).SingleSource());
    }

    [Fact]
    public void Nested_class_in_namespaced_partial_types_matches_snapshot()
    {
        const string source = """
            using ConvGen;
            namespace Models.Vision
            {
                public static partial class Blocks
                {
                    internal partial struct Stage
                    {
                        [GroupedConv(Cin = 8, Cout = 8, K = 3, Groups = 2, Padding = 1, Bias = true)]
                        public sealed partial class Nested { }
                    }
                }
            }
            """;
        GeneratorOutput output = GeneratorRunner.Run(source);
        Assert.Equal("Models.Vision.Blocks.Stage.Nested.g.cs", Assert.Single(output.Sources).Key);
        Snapshot.Verify("NestedNamespaced", output.SingleSource());
    }

    [Fact]
    public void Global_namespace_class_matches_snapshot() =>
        Snapshot.Verify("GlobalNamespace", GeneratorRunner.Run(
            "[ConvGen.GroupedConv(Cin = 2, Cout = 4, K = 3, Padding = 1)] partial class GlobalLayer { }").SingleSource());

    /// <summary>The emitter alone, fed a hand-built model and plans (wide and narrow differ; a remainder block; a chunked method).</summary>
    [Fact]
    public void Emitter_from_hand_built_model_matches_snapshot()
    {
        var spec = new LayerSpec(Cin: 4, Cout: 10, K: 1, Groups: 1, Stride: 1, Padding: 0, Dilation: 1,
            Bias: true, Activation: 1, ShuffleOutput: false);
        var model = new LayerModel("Hand.Built", new EquatableArray<ContainingType>([new ContainingType("record", "Outer")]), "HandBuilt", spec);
        var wide = new KernelPlan(spec, TilePlanner.WideRegisters,
            new EquatableArray<PlannedBlock>([new PlannedBlock(0, 8, 0), new PlannedBlock(8, 2, 1)]),
            new EquatableArray<TileMethod>([new TileMethod(8, 2, 2, 2, false), new TileMethod(2, 4, 4, 1, false)]));
        var narrow = new KernelPlan(spec, TilePlanner.NarrowRegisters,
            new EquatableArray<PlannedBlock>([new PlannedBlock(0, 4, 0), new PlannedBlock(4, 4, 0), new PlannedBlock(8, 2, 1)]),
            new EquatableArray<TileMethod>([new TileMethod(4, 2, 4, 1, false), new TileMethod(2, 4, 4, 1, false)]));
        Snapshot.Verify("EmitterHandBuilt", GroupedConvGenerator.Emit(model, wide, narrow));
    }

    /// <summary>The emitter's depthwise case with weights held in registers, one plan for both register files.</summary>
    [Fact]
    public void Emitter_depthwise_hold_weights_matches_snapshot()
    {
        var spec = new LayerSpec(Cin: 2, Cout: 2, K: 3, Groups: 2, Stride: 2, Padding: 1, Dilation: 1,
            Bias: false, Activation: 2, ShuffleOutput: true);
        var model = new LayerModel(null, default, "HandDepthwise", spec);
        var blocks = new EquatableArray<PlannedBlock>([new PlannedBlock(0, 1, 0)]);
        var methods = new EquatableArray<TileMethod>([new TileMethod(1, 2, 1, 1, true)]);
        Snapshot.Verify("EmitterDepthwiseHold", GroupedConvGenerator.Emit(model,
            new KernelPlan(spec, TilePlanner.WideRegisters, blocks, methods), new KernelPlan(spec, TilePlanner.NarrowRegisters, blocks, methods)));
    }

    [Fact]
    public void Diff_names_the_first_differing_lines()
    {
        string diff = Snapshot.Diff("a\nb\nc\nd", "a\nB\nc\nd\ne");
        Assert.Contains("-    2: b", diff);
        Assert.Contains("+    2: B", diff);
        Assert.Contains("+    5: e", diff);
        Assert.DoesNotContain(": a", diff);
    }
}
