using Microsoft.Extensions.Options;

namespace RagPlatform.Embedding.Encoders.Remote;

public static class RemoteEncoderRegistration
{
    /// <summary>
    /// One <see cref="RemoteDenseEncoder"/> per section under "Embedding:Remote", named by the
    /// section, each validated at start-up; the encoder catalog serves them beside the local ones.
    /// </summary>
    public static IHostApplicationBuilder AddRemoteEncoders(this IHostApplicationBuilder builder)
    {
        foreach (var section in builder.Configuration.GetSection(RemoteModelOptions.Section).GetChildren())
        {
            string name = section.Key;
            builder.Services.AddOptions<RemoteModelOptions>(name)
                .Bind(section)
                .ValidateDataAnnotations()
                .ValidateOnStart();
            builder.Services.AddSingleton<IDenseEncoder>(services => RemoteEncoderFactory.Create(
                name,
                services.GetRequiredService<IOptionsMonitor<RemoteModelOptions>>().Get(name),
                services.GetRequiredService<ILoggerFactory>()));
        }
        return builder;
    }
}
