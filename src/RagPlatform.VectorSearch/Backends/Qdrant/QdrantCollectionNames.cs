namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// Maps a tenant's collection to one Qdrant collection, <c>ragplatform.&lt;tenant&gt;.&lt;name&gt;</c>.
/// Neither tenant ids nor collection names may contain '.', so the mapping is one to one, and one
/// tenant's prefix can never match another tenant's collections. ('.' is legal in Qdrant names.)
/// </summary>
public static class QdrantCollectionNames
{
    private const string Prefix = "ragplatform.";

    public static string For(string tenant, string name) => $"{Prefix}{tenant}.{name}";

    /// <summary>The platform name of a Qdrant collection of this tenant, or null if it is not one.</summary>
    public static string? NameOf(string tenant, string qdrantName)
    {
        var tenantPrefix = $"{Prefix}{tenant}.";
        if (!qdrantName.StartsWith(tenantPrefix, StringComparison.Ordinal))
            return null;
        var name = qdrantName[tenantPrefix.Length..];
        return name.Length > 0 && !name.Contains('.') ? name : null;
    }
}
