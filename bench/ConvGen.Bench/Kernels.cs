using System;
using System.Collections.Generic;
using ConvGen;

namespace ConvGen.Bench;

/// <summary>
/// The generated kernel of a layer: the [GroupedConv] class of GeneratedLayers.cs with the same ConvSpec, or,
/// while the generator is not on main, GenericConv standing in (see <see cref="GeneratedIsStandIn"/>).
/// </summary>
public static partial class Kernels
{
    public static IConvKernel Generated(ConvSpec spec, float[] weights, float[] bias)
    {
        var map = new Dictionary<ConvSpec, Func<float[], float[], IConvKernel>>();
        AddGenerated(map);
        if (map.Count == 0) return new GenericConv(spec, weights, bias);
        return map.TryGetValue(spec, out var create) ? create(weights, bias)
            : throw new InvalidOperationException($"No generated class for {spec}: add it to GeneratedLayers.cs.");
    }

    /// <summary>True while no generated classes are compiled in and GenericConv stands in for them.</summary>
    public static bool GeneratedIsStandIn
    {
        get
        {
            var map = new Dictionary<ConvSpec, Func<float[], float[], IConvKernel>>();
            AddGenerated(map);
            return map.Count == 0;
        }
    }

    /// <summary>Implemented in GeneratedLayers.cs when it is compiled (csproj); otherwise adds nothing.</summary>
    static partial void AddGenerated(Dictionary<ConvSpec, Func<float[], float[], IConvKernel>> map);
}
