using RagPlatform.FineTuning.Extensions;
using RagPlatform.ServiceDefaults;

namespace RagPlatform.FineTuning;

public static class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddFineTuningService();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapFineTuningService();
        app.Run();
    }
}
