using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RagPlatform.ServiceDefaults;

public static class OptionsExtensions
{
    /// <summary>
    /// Binds an options class to its configuration section and validates its data annotations at
    /// start-up, so a bad setting stops the service with a message instead of failing a request later.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IHostApplicationBuilder builder, string section)
        where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
