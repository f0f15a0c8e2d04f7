namespace ConvGen;

/// <summary>The activation fused into a convolution's store, applied after bias and residual.</summary>
/// <remarks>NaN propagates: <c>Relu(NaN)</c> and <c>Relu6(NaN)</c> are NaN, as in PyTorch.</remarks>
public enum ConvActivation
{
    /// <summary>No activation: <c>y = conv(x) + bias + residual</c>.</summary>
    None = 0,
    /// <summary><c>max(y, 0)</c>.</summary>
    Relu = 1,
    /// <summary><c>min(max(y, 0), 6)</c>, as MobileNetV2's ReLU6.</summary>
    Relu6 = 2,
}
