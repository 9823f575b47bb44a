namespace RagPlatform.ServiceDefaults.Tenancy;

/// <summary>
/// The tenant of the call being served, flowing with the async context so that every store,
/// cache and downstream call can scope by it without threading it through signatures.
/// </summary>
public static class TenantContext
{
    /// <summary>The gRPC metadata key that carries the tenant between services.</summary>
    public const string MetadataKey = "x-tenant-id";

    private static readonly AsyncLocal<string?> current = new();

    /// <summary>The current tenant, or null outside a served call.</summary>
    public static string? Current
    {
        get => current.Value;
        internal set => current.Value = value;
    }

    /// <summary>The current tenant; throws when called outside a served call (a bug, not bad input).</summary>
    public static string Require() =>
        current.Value ?? throw new InvalidOperationException("No tenant in scope: this code must run inside a served call.");

    /// <summary>Runs code as a tenant (background work, tests, the CLI's in-process host).</summary>
    public static IDisposable Use(string tenant)
    {
        TenantId.Validate(tenant);
        var previous = current.Value;
        current.Value = tenant;
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => current.Value = previous;
    }
}
