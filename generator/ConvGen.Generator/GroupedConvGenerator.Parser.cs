using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ConvGen.Generator;

public sealed partial class GroupedConvGenerator
{
    /// <summary>Turns one attributed class into a model, or into diagnostics. Never throws on user input.</summary>
    internal static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        LocationInfo? attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
        LocationInfo? nameLocation = LocationInfo.From(syntax.Identifier);
        string name = type.Name;

        ParseResult Fail(string id, LocationInfo? location, params string[] arguments) =>
            new(null, new EquatableArray<DiagnosticInfo>(new[] { new DiagnosticInfo(id, location, new EquatableArray<string>(arguments)) }));

        // The kind of type first: a wrong kind makes every other check moot.
        if (syntax is RecordDeclarationSyntax) return Fail("CONVGEN008", nameLocation, name, "a record");
        if (type.IsStatic) return Fail("CONVGEN008", nameLocation, name, "static");
        if (syntax.Modifiers.Any(SyntaxKind.FileKeyword)) return Fail("CONVGEN008", nameLocation, name, "file-local");
        for (INamedTypeSymbol? t = type; t != null; t = t.ContainingType)
            if (t.TypeParameters.Length > 0) return Fail("CONVGEN004", nameLocation, name);
        for (INamedTypeSymbol? t = type; t != null; t = t.ContainingType)
            if (!IsPartial(t, cancellationToken)) return Fail("CONVGEN001", nameLocation, t.Name);

        // Read the named arguments; an argument in error (the compiler reports it) means no generation and no diagnostic of ours.
        var values = new Dictionary<string, TypedConstant>();
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Value.Kind == TypedConstantKind.Error || argument.Value.Value is null)
                return new ParseResult(null, default);
            values[argument.Key] = argument.Value;
        }
        if (attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)) return new ParseResult(null, default);

        foreach (string required in new[] { "Cin", "Cout", "K" })
            if (!values.ContainsKey(required))
                return Fail("CONVGEN002", attributeLocation, name, $"{required} is required");

        int Int(string key, int fallback) => values.TryGetValue(key, out TypedConstant v) && v.Value is int i ? i : fallback;
        bool Bool(string key) => values.TryGetValue(key, out TypedConstant v) && v.Value is bool b && b;

        var spec = new LayerSpec(Int("Cin", 0), Int("Cout", 0), Int("K", 0), Int("Groups", 1), Int("Stride", 1),
            Int("Padding", 0), Int("Dilation", 1), Bool("Bias"), Int("Activation", 0), Bool("ShuffleOutput"));

        ShapeProblem problem = ConvRules.Check(spec.Cin, spec.Cout, spec.K, spec.Groups, spec.Stride, spec.Padding,
            spec.Dilation, spec.ShuffleOutput, out _, out string message);
        switch (problem)
        {
            case ShapeProblem.NotPositive:
            case ShapeProblem.NegativePadding: return Fail("CONVGEN002", attributeLocation, name, message);
            case ShapeProblem.NotDivisibleByGroups: return Fail("CONVGEN003", attributeLocation, name, message);
            case ShapeProblem.TooLarge: return Fail("CONVGEN005", attributeLocation, name, message);
            case ShapeProblem.ShuffleNeedsGroups: return Fail("CONVGEN006", attributeLocation, name, message);
        }
        if (spec.Activation < 0 || spec.Activation >= LayerSpec.ActivationNames.Length)
            return Fail("CONVGEN007", attributeLocation, name, spec.Activation.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (TilePlanner.Plan(spec, TilePlanner.WideRegisters, out string? tooLarge) == null)
            return Fail("CONVGEN005", attributeLocation, name, tooLarge!);

        var containing = new List<ContainingType>();
        for (INamedTypeSymbol? t = type.ContainingType; t != null; t = t.ContainingType)
            containing.Insert(0, new ContainingType(Keyword(t), t.Name));
        string? ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        return new ParseResult(new LayerModel(ns, new EquatableArray<ContainingType>(containing), name, spec), default);
    }

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax(cancellationToken) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
