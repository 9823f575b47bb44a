using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RagPlatform.ServiceDefaults.Tenancy;

public static class TenancyExtensions
{
    public static TBuilder AddTenancy<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<TenancyOptions>()
            .Bind(builder.Configuration.GetSection(TenancyOptions.Section))
            .Validate(o => TenantId.IsValid(o.DefaultTenant), "Tenancy:DefaultTenant must be a valid tenant id")
            .ValidateOnStart();
        builder.Services.AddSingleton<TenantServerInterceptor>();
        builder.Services.AddSingleton<TenantClientInterceptor>();
        return builder;
    }
}
