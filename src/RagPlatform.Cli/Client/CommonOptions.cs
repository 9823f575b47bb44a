using System.CommandLine;

namespace RagPlatform.Cli.Client;

/// <summary>Options several commands share.</summary>
public static class CommonOptions
{
    public static Option<string?> Endpoint(string description) => new("--endpoint")
    {
        Description = description,
    };

    public static Option<string?> Tenant() => new("--tenant")
    {
        Description = "Tenant to act as (sent as x-tenant-id); the service's default when omitted.",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON instead of tables.",
    };

    public static Option<string?> Source() => new("--source")
    {
        Description = "Source (collection of documents) to use; the router's default when omitted.",
    };
}
