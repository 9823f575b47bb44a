using RagPlatform.ServiceDefaults;
using RagPlatform.VectorSearch.Extensions;

namespace RagPlatform.VectorSearch;

public static class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddVectorSearchService();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapVectorSearchService();
        app.Run();
    }
}
