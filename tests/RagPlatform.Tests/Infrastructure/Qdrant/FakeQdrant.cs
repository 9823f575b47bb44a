using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RagPlatform.Tests.Infrastructure.Qdrant;

/// <summary>A request the fake received, with its operation in Qdrant's OpenAPI description.</summary>
public sealed record QdrantRequest(string Method, string Path, QdrantOperation Operation,
    IReadOnlyDictionary<string, string> Query, JsonNode? Body, int BodyBytes, string? ApiKey)
{
    /// <summary>The decoded {collection_name} of the path, if it has one.</summary>
    public string? Collection => Path.StartsWith("/collections/") && Path.Split('/') is { Length: > 2 } parts && parts[2] != "aliases"
        ? Uri.UnescapeDataString(parts[2]) : null;
}

/// <summary>What the fake answers: a result in Qdrant's envelope, or an error with Qdrant's message.</summary>
public sealed record FakeAnswer(int Status, JsonNode? Result, string? Error = null)
{
    public static FakeAnswer Ok(JsonNode? result) => new(200, result);
    public static FakeAnswer Fail(int status, string error) => new(status, null, error);
    public static FakeAnswer Completed() => Ok(new JsonObject { ["operation_id"] = 1, ["status"] = "completed" });
}

/// <summary>
/// A stand-in for Qdrant's REST API on a free loopback port, for contract tests of our client.
/// Every request is checked against Qdrant's OpenAPI description (path, query parameters, body),
/// and so is every answer the fake gives. It keeps collections and points as Qdrant does and
/// answers what needs no search engine (collections, indexes, upserts, counts and deletes by id,
/// facets); searches and filtered counts or deletes are answered by scripts a test sets with
/// <see cref="On"/>, and an unscripted one fails the test.
/// </summary>
public sealed class FakeQdrant : IAsyncDisposable
{
    private readonly object gate = new();
    private readonly List<QdrantRequest> requests = [];
    private readonly List<string> violations = [];
    private readonly List<(string Method, string Template, Func<QdrantRequest, FakeAnswer?> Answer)> scripts = [];
    private readonly Dictionary<string, FakeCollection> collections = new(StringComparer.Ordinal);
    private readonly string? apiKey;
    private WebApplication app = null!;

    private FakeQdrant(string? apiKey) => this.apiKey = apiKey;

    public Uri Address { get; private set; } = null!;

    /// <summary>ConnectionStrings:qdrant_http as Aspire writes it.</summary>
    public string ConnectionString => apiKey is null ? Address.ToString() : $"Endpoint={Address};Key={apiKey}";

    public static async Task<FakeQdrant> StartAsync(string? apiKey = null)
    {
        var fake = new FakeQdrant(apiKey);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        fake.app = builder.Build();
        fake.app.Run(fake.HandleAsync);
        await fake.app.StartAsync();
        fake.Address = new Uri(fake.app.Urls.First());
        return fake;
    }

    public IReadOnlyList<QdrantRequest> Requests
    {
        get { lock (gate) return requests.ToList(); }
    }

    public IReadOnlyList<QdrantRequest> RequestsTo(string method, string template) =>
        Requests.Where(r => r.Method == method && r.Operation.Template == template).ToList();

    /// <summary>Answers requests to this operation (the latest script first); null passes the request on.</summary>
    public void On(string method, string template, Func<QdrantRequest, FakeAnswer?> answer)
    {
        lock (gate) scripts.Insert(0, (method, template, answer));
    }

    /// <summary>Every request and answer matched Qdrant's OpenAPI description.</summary>
    public void AssertContractKept()
    {
        lock (gate) Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.NotEmpty(Requests);
    }

    /// <summary>A collection made by someone else, e.g. another tenant's or another application's.</summary>
    public void AddCollection(string name, JsonObject createBody)
    {
        lock (gate) collections[name] = new FakeCollection(createBody);
    }

    public IReadOnlyList<string> CollectionNames
    {
        get { lock (gate) return collections.Keys.ToList(); }
    }

    /// <summary>A stored point as Qdrant keeps it (id, vector, payload).</summary>
    public JsonObject Point(string collection, string uuid)
    {
        lock (gate) return collections[collection].Points[uuid].DeepClone().AsObject();
    }

    public int PointCount(string collection)
    {
        lock (gate) return collections[collection].Points.Count;
    }

    /// <summary>A <c>ScoredPoint</c> of a stored point, with the payload and vectors the query asked for.</summary>
    public JsonObject Scored(QdrantRequest query, string uuid, float score)
    {
        var stored = Point(query.Collection!, uuid);
        var scored = new JsonObject { ["id"] = uuid, ["version"] = 3, ["score"] = score };
        if (query.Body?["with_payload"]?.GetValue<bool>() == true) scored["payload"] = stored["payload"]!.DeepClone();
        if (query.Body?["with_vector"]?.GetValue<bool>() == true) scored["vector"] = stored["vector"]!.DeepClone();
        return scored;
    }

    public static JsonObject QueryResponse(params JsonObject[] points) => new() { ["points"] = new JsonArray(points) };

    private async Task HandleAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "/";
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        string text = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var operation = QdrantOpenApi.Instance.Find(method, path);
        if (operation is null)
        {
            Violation($"{method} {path} is no operation of Qdrant's API");
            await Write(context, null, FakeAnswer.Fail(404, "Not found"));
            return;
        }

        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        var problems = QdrantOpenApi.Instance.ValidateRequest(operation, text).ToList();
        var declared = operation.QueryParameters.ToHashSet();
        problems.AddRange(query.Keys.Where(k => !declared.Contains(k)).Select(k => $"{method} {operation.Template} has no query parameter '{k}'"));
        problems.AddRange(query.Where(q => q.Key == "wait" && q.Value is not ("true" or "false")).Select(q => $"wait={q.Value} is no boolean"));
        var request = new QdrantRequest(method, path, operation, query, text.Length > 0 ? JsonNode.Parse(text) : null,
            (int)buffer.Length, context.Request.Headers["api-key"].FirstOrDefault());
        lock (gate) requests.Add(request);
        foreach (var problem in problems) Violation(problem);

        FakeAnswer answer;
        if (problems.Count > 0)
            answer = FakeAnswer.Fail(400, "Format error in JSON body: " + problems[0]);
        else if (apiKey is not null && request.ApiKey != apiKey && operation.Template is not ("/readyz" or "/healthz" or "/livez"))
            answer = FakeAnswer.Fail(401, "Invalid API key or JWT");
        else
            answer = Script(request) ?? Default(request);
        await Write(context, operation, answer);
    }

    private FakeAnswer? Script(QdrantRequest request)
    {
        List<Func<QdrantRequest, FakeAnswer?>> matching;
        lock (gate) matching = scripts.Where(s => s.Method == request.Method && s.Template == request.Operation.Template).Select(s => s.Answer).ToList();
        return matching.Select(answer => answer(request)).FirstOrDefault(a => a is not null);
    }

    private async Task Write(HttpContext context, QdrantOperation? operation, FakeAnswer answer)
    {
        string body;
        if (operation?.Template == "/readyz")
        {
            context.Response.StatusCode = answer.Status;
            await context.Response.WriteAsync(answer.Status == 200 ? "all shards are ready" : "some shards are not ready");
            return;
        }
        body = (answer.Error is null
            ? new JsonObject { ["result"] = answer.Result?.DeepClone(), ["status"] = "ok", ["time"] = 0.0001 }
            : new JsonObject { ["status"] = new JsonObject { ["error"] = answer.Error }, ["time"] = 0.0001 }).ToJsonString();
        if (operation is not null)
            foreach (var problem in QdrantOpenApi.Instance.ValidateResponse(operation, answer.Status, body))
                Violation("the fake's answer: " + problem);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    private void Violation(string problem)
    {
        lock (gate) violations.Add(problem);
    }

    /// <summary>What Qdrant itself answers, for the operations that need no search engine.</summary>
    private FakeAnswer Default(QdrantRequest request)
    {
        var name = request.Collection;
        lock (gate)
        {
            switch (request.Method, request.Operation.Template)
            {
                case ("GET", "/readyz"):
                    return FakeAnswer.Ok(null);
                case ("GET", "/collections"):
                    return FakeAnswer.Ok(new JsonObject
                    {
                        ["collections"] = new JsonArray(collections.Keys.Select(n => (JsonNode)new JsonObject { ["name"] = n }).ToArray()),
                    });
                case ("PUT", "/collections/{collection_name}"):
                    if (collections.ContainsKey(name!))
                        return FakeAnswer.Fail(409, $"Wrong input: Collection `{name}` already exists!");
                    collections[name!] = new FakeCollection(request.Body!.AsObject());
                    return FakeAnswer.Ok(true);
                case ("DELETE", "/collections/{collection_name}"):
                    return FakeAnswer.Ok(collections.Remove(name!));
            }
            if (name is null || !collections.TryGetValue(name, out var collection))
                return FakeAnswer.Fail(404, $"Not found: Collection `{name}` doesn't exist!");
            switch (request.Method, request.Operation.Template)
            {
                case ("GET", "/collections/{collection_name}"):
                    return FakeAnswer.Ok(collection.Info());
                case ("PUT", "/collections/{collection_name}/index"):
                    collection.Indexes[request.Body!["field_name"]!.GetValue<string>()] = request.Body["field_schema"]!.DeepClone();
                    return FakeAnswer.Completed();
                case ("PUT", "/collections/{collection_name}/points"):
                    foreach (var point in request.Body!["points"]!.AsArray())
                        collection.Points[point!["id"]!.GetValue<string>()] = point.DeepClone().AsObject();
                    return FakeAnswer.Completed();
                case ("POST", "/collections/{collection_name}/facet"):
                    return FakeAnswer.Ok(collection.Facet(request.Body!["key"]!.GetValue<string>(), request.Body["limit"]?.GetValue<int>() ?? 10));
                case ("POST", "/collections/{collection_name}/points/count"):
                    var counted = collection.Select(request.Body?["filter"]);
                    return counted is null ? Unscripted(request) : FakeAnswer.Ok(new JsonObject { ["count"] = counted.Count });
                case ("POST", "/collections/{collection_name}/points/delete"):
                    var doomed = request.Body!["points"] is JsonArray ids ? ids.Select(i => i!.GetValue<string>()).ToList() : collection.Select(request.Body["filter"]);
                    if (doomed is null) return Unscripted(request);
                    doomed.ForEach(id => collection.Points.Remove(id));
                    return FakeAnswer.Completed();
                default:
                    return Unscripted(request);
            }
        }
    }

    private FakeAnswer Unscripted(QdrantRequest request)
    {
        violations.Add($"{request.Method} {request.Path} {request.Body?.ToJsonString()} needs a script: the fake has no search engine");
        return FakeAnswer.Fail(500, "Service internal error: the fake cannot answer this");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
