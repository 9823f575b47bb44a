namespace RagPlatform.ServiceDefaults.Tenancy;

/// <summary>Configuration section "Tenancy".</summary>
public sealed class TenancyOptions
{
    public const string Section = "Tenancy";

    /// <summary>
    /// The tenant of calls that carry none. Until authentication arrives every caller is this tenant
    /// unless it says otherwise in the x-tenant-id metadata.
    /// </summary>
    public string DefaultTenant { get; set; } = "default";
}
