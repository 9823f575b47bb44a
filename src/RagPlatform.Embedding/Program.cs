using RagPlatform.Embedding.Extensions;
using RagPlatform.ServiceDefaults;

namespace RagPlatform.Embedding;

public static class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddEmbeddingService();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapEmbeddingService();
        app.Run();
    }
}
