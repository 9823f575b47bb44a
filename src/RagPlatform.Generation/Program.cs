using RagPlatform.Generation.Extensions;
using RagPlatform.ServiceDefaults;

namespace RagPlatform.Generation;

public static class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddGenerationService();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGenerationService();
        app.Run();
    }
}
