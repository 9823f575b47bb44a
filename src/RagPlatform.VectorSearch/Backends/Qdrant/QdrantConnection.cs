using System.Data.Common;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// Where Qdrant's REST API is, read as Aspire writes it: <c>ConnectionStrings:qdrant_http</c> holds
/// <c>Endpoint=http://host:6333;Key=...</c>, or a bare URL. (<c>ConnectionStrings:qdrant</c> is the
/// gRPC port under Aspire, so it is deliberately not a fallback.)
/// </summary>
public sealed record QdrantConnection(Uri Endpoint, string? Key)
{
    public const string ConnectionStringName = "qdrant_http";

    /// <summary>Null when the string is missing, blank or names no absolute http(s) endpoint.</summary>
    public static QdrantConnection? Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            return null;
        if (TryHttpUri(connectionString, out var bare))
            return new QdrantConnection(bare, null);

        var builder = new DbConnectionStringBuilder();
        try { builder.ConnectionString = connectionString; }
        catch (ArgumentException) { return null; }
        string? endpoint = builder.TryGetValue("Endpoint", out var e) ? e?.ToString() : null;
        string? key = builder.TryGetValue("Key", out var k) ? k?.ToString() : null;
        return TryHttpUri(endpoint, out var uri)
            ? new QdrantConnection(uri, string.IsNullOrWhiteSpace(key) ? null : key)
            : null;
    }

    private static bool TryHttpUri(string? text, out Uri uri) =>
        Uri.TryCreate(text?.Trim(), UriKind.Absolute, out uri!) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>The endpoint alone: the key never appears in logs or messages.</summary>
    public override string ToString() => Endpoint.ToString();
}
