namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>One named float tensor, row-major.</summary>
public sealed record UseLiteTensor(string Name, int[] Shape, float[] Data)
{
    /// <summary>A 1×1 convolution kernel [1, 1, in, out] read as the matrix [in, out].</summary>
    public (int Rows, int Columns) AsMatrix() => (Shape.Length >= 2 ? Shape[^2] : 1, Shape.Length >= 1 ? Shape[^1] : 1);

    public float Scalar => Data.Length == 1 ? Data[0] : throw new InvalidDataException($"{Name} is not a scalar");
}
