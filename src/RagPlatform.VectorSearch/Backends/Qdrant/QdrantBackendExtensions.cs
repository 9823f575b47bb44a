using Microsoft.Extensions.Options;
using RagPlatform.VectorSearch.Engine;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

public static class QdrantBackendExtensions
{
    /// <summary>The Qdrant backend, its HTTP client (api-key header when a key is set) and a readiness check.</summary>
    public static IHostApplicationBuilder AddQdrantBackend(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<QdrantBackendOptions>()
            .Bind(builder.Configuration.GetSection(QdrantBackendOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<QdrantConnectionOptions>()
            .Configure(o => o.Connection = QdrantConnection.Parse(builder.Configuration.GetConnectionString(QdrantConnection.ConnectionStringName)))
            .Validate(o => o.Connection is not null,
                $"VectorSearch:Backend is 'qdrant' but ConnectionStrings:{QdrantConnection.ConnectionStringName} holds no http(s) endpoint (Endpoint=http://host:6333;Key=... or a URL)")
            .ValidateOnStart();

        builder.Services.AddHttpClient(QdrantRestClient.HttpClientName, (services, client) =>
        {
            var connection = services.GetRequiredService<IOptions<QdrantConnectionOptions>>().Value.Connection!;
            // A trailing slash keeps relative paths under an endpoint that has a path of its own.
            var endpoint = connection.Endpoint.ToString();
            client.BaseAddress = new Uri(endpoint.EndsWith('/') ? endpoint : endpoint + "/");
            client.Timeout = services.GetRequiredService<IOptions<QdrantBackendOptions>>().Value.RequestTimeout;
            if (connection.Key is { } key)
                client.DefaultRequestHeaders.Add("api-key", key);
        });
        builder.Services.AddSingleton<QdrantRestClient>();
        builder.Services.AddSingleton<QdrantBackend>();
        builder.Services.AddSingleton<IVectorBackend>(services => services.GetRequiredService<QdrantBackend>());
        builder.Services.AddHealthChecks().AddCheck<QdrantHealthCheck>("qdrant");
        return builder;
    }
}
