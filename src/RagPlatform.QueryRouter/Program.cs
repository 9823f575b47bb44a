using RagPlatform.QueryRouter.Extensions;
using RagPlatform.ServiceDefaults;

namespace RagPlatform.QueryRouter;

public static class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddQueryRouterService();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapQueryRouterService();
        app.Run();
    }
}
