namespace ConvGen.Generator;

/// <summary>The attribute's values, checked: the generator's mirror of the runtime ConvSpec.</summary>
internal readonly record struct LayerSpec(int Cin, int Cout, int K, int Groups, int Stride, int Padding, int Dilation,
    bool Bias, int Activation, bool ShuffleOutput)
{
    public int CinPerGroup => Cin / Groups;
    public int CoutPerGroup => Cout / Groups;
    public int Taps => K * K;

    public static readonly string[] ActivationNames = ["None", "Relu", "Relu6"];

    /// <summary>The shape in one line, as the runtime ConvSpec prints it.</summary>
    public string Describe() =>
        $"Conv {Cin}->{Cout} K={K} G={Groups} S={Stride} P={Padding} D={Dilation}" +
        (Bias ? " +bias" : "") + (Activation != 0 ? " " + ActivationNames[Activation] : "") + (ShuffleOutput ? " shuffled" : "");
}

/// <summary>A type that contains the attributed class: its keyword (class, struct, record, record struct, interface) and name.</summary>
internal readonly record struct ContainingType(string Keyword, string Name);

/// <summary>Everything the emitter needs about one attributed class; no Roslyn objects, structurally equal.</summary>
internal sealed record LayerModel(string? Namespace, EquatableArray<ContainingType> ContainingTypes, string Name, LayerSpec Spec)
{
    /// <summary>Hint name of the generated file: the full type name, unique in the compilation.</summary>
    public string HintName
    {
        get
        {
            var name = new System.Text.StringBuilder();
            if (Namespace != null) name.Append(Namespace).Append('.');
            foreach (ContainingType type in ContainingTypes) name.Append(type.Name).Append('.');
            return name.Append(Name).Append(".g.cs").ToString();
        }
    }
}

/// <summary>Where a diagnostic goes, as plain data (a Location holds a SyntaxTree, which must not be cached).</summary>
internal readonly record struct LocationInfo(string FilePath, Microsoft.CodeAnalysis.Text.TextSpan Span,
    Microsoft.CodeAnalysis.Text.LinePositionSpan LineSpan)
{
    public Microsoft.CodeAnalysis.Location ToLocation() => Microsoft.CodeAnalysis.Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Microsoft.CodeAnalysis.SyntaxNode? node)
    {
        if (node == null) return null;
        var location = node.GetLocation();
        return new LocationInfo(location.SourceTree?.FilePath ?? "", location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(Microsoft.CodeAnalysis.SyntaxToken token)
    {
        var location = token.GetLocation();
        return new LocationInfo(location.SourceTree?.FilePath ?? "", location.SourceSpan, location.GetLineSpan().Span);
    }
}

/// <summary>A diagnostic as plain data: its id, where, and the message arguments.</summary>
internal readonly record struct DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments);

/// <summary>What parsing one attributed class gives: a model to emit, or diagnostics, never both.</summary>
internal sealed record ParseResult(LayerModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
