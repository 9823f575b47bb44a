using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.VectorSearch.Engine.Collections;

namespace RagPlatform.VectorSearch.Engine;

/// <summary>Checks a point against its collection's configuration, naming the field at fault.</summary>
public static class PointValidator
{
    public const int MaxIdLength = 128;

    public static void Validate(Point point, CollectionSpec spec, string field)
    {
        Require.NotBlank(point.Id, $"{field}.id");
        Require.MaxLength(point.Id, MaxIdLength, $"{field}.id");
        if (spec.Dense is { } dense)
        {
            Require.That(point.Dense.Count == dense.Dimension, $"{field}.dense",
                $"has {point.Dense.Count} dimensions; collection '{spec.Name}' has {dense.Dimension}");
            Require.That(point.Dense.All(float.IsFinite), $"{field}.dense", "holds a NaN or infinite value");
        }
        else
        {
            Require.That(point.Dense.Count == 0, $"{field}.dense", $"collection '{spec.Name}' has no dense vector");
        }
        if (point.Sparse is { Indices.Count: > 0 } || point.Sparse is { Values.Count: > 0 })
        {
            Require.That(spec.Sparse is not null, $"{field}.sparse", $"collection '{spec.Name}' has no sparse vector");
            ValidateSparse(point.Sparse, $"{field}.sparse");
        }
    }

    public static void ValidateSparse(SparseVector sparse, string field)
    {
        Require.That(sparse.Indices.Count == sparse.Values.Count, field,
            $"has {sparse.Indices.Count} indices but {sparse.Values.Count} values");
        for (int i = 1; i < sparse.Indices.Count; i++)
            Require.That(sparse.Indices[i] > sparse.Indices[i - 1], $"{field}.indices", "must be strictly ascending");
        Require.That(sparse.Values.All(float.IsFinite), $"{field}.values", "holds a NaN or infinite value");
    }
}
