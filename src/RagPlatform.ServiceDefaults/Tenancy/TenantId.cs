using System.Text.RegularExpressions;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.ServiceDefaults.Tenancy;

/// <summary>Tenant ids are short lowercase slugs, safe in collection names, file paths and Redis keys.</summary>
public static partial class TenantId
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? tenant) => tenant is not null && Pattern().IsMatch(tenant);

    public static void Validate(string tenant)
    {
        if (!IsValid(tenant))
            throw new InvalidArgumentException($"metadata.{TenantContext.MetadataKey}",
                "must be 1-63 characters of lowercase letters, digits, '-' or '_', starting with a letter or digit");
    }
}
