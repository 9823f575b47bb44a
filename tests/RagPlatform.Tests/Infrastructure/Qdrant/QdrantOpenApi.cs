using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NJsonSchema;

namespace RagPlatform.Tests.Infrastructure.Qdrant;

/// <summary>One operation of Qdrant's OpenAPI description: its method, path template and parameters.</summary>
public sealed record QdrantOperation(string Method, string Template, JsonObject Definition)
{
    public IEnumerable<string> QueryParameters =>
        (Definition["parameters"] as JsonArray ?? []).Where(p => (string?)p!["in"] == "query").Select(p => (string)p!["name"]!);
}

/// <summary>
/// Qdrant's OpenAPI description (shared/reference/qdrant-openapi.json), used to check every request
/// our client sends, and every answer the fake gives, against the schema of its operation.
/// OpenAPI 3.0's <c>nullable</c> is rewritten into JSON Schema's <c>"null"</c> type (otherwise its
/// <c>anyOf: [X, {nullable: true}]</c> would accept anything), and objects that list their
/// properties are closed, so a misspelt field fails instead of being silently ignored by Qdrant.
/// </summary>
public sealed class QdrantOpenApi
{
    private const string ComponentPrefix = "#/components/schemas/";
    private const string DefinitionPrefix = "#/definitions/";
    private static readonly Lazy<QdrantOpenApi> instance = new(() => new QdrantOpenApi(JsonNode.Parse(File.ReadAllText(Locate()))!.AsObject()));

    private readonly JsonObject definitions;
    private readonly List<(QdrantOperation Operation, Regex Pattern, int Literals)> operations = [];
    private readonly ConcurrentDictionary<string, JsonSchema> schemas = new();

    public static QdrantOpenApi Instance => instance.Value;

    private QdrantOpenApi(JsonObject document)
    {
        definitions = EachSchema(document["components"]!["schemas"]!.AsObject());
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            var segments = template.Trim('/').Split('/');
            var pattern = new Regex("^/" + string.Join('/', segments.Select(s => s.StartsWith('{') ? "[^/]+" : Regex.Escape(s))) + "$");
            foreach (var (method, definition) in item!.AsObject())
                operations.Add((new QdrantOperation(method.ToUpperInvariant(), template, definition!.AsObject()), pattern, segments.Count(s => !s.StartsWith('{'))));
        }
    }

    /// <summary>The operation serving this method and path; literal segments win over parameters.</summary>
    public QdrantOperation? Find(string method, string path) => operations
        .Where(o => o.Operation.Method == method && o.Pattern.IsMatch(path))
        .OrderByDescending(o => o.Literals)
        .Select(o => o.Operation)
        .FirstOrDefault();

    /// <summary>Violations of the operation's JSON request body schema (a body it does not take is one too).</summary>
    public IReadOnlyList<string> ValidateRequest(QdrantOperation operation, string? body)
    {
        var schema = operation.Definition["requestBody"]?["content"]?["application/json"]?["schema"];
        if (schema is null)
            return string.IsNullOrEmpty(body) ? [] : [$"{operation.Method} {operation.Template} takes no JSON body"];
        if (string.IsNullOrEmpty(body))
            return operation.Definition["requestBody"]?["required"]?.GetValue<bool>() == true ? [$"{operation.Method} {operation.Template} needs a body"] : [];
        return Validate($"{operation.Method} {operation.Template} request", schema, body);
    }

    /// <summary>Violations of the schema the operation declares for this status (exact, then NXX, then default).</summary>
    public IReadOnlyList<string> ValidateResponse(QdrantOperation operation, int status, string body)
    {
        var responses = operation.Definition["responses"]!.AsObject();
        var response = responses[status.ToString()] ?? responses[$"{status / 100}XX"] ?? responses["default"];
        if (response is null)
            return [$"{operation.Method} {operation.Template} declares no response {status}"];
        var schema = response["content"]?["application/json"]?["schema"];
        return schema is null ? [] : Validate($"{operation.Method} {operation.Template} response {status}", schema, body);
    }

    /// <summary>Violations of a component schema, e.g. "Filter".</summary>
    public IReadOnlyList<string> ValidateComponent(string component, string json) =>
        Validate(component, new JsonObject { ["$ref"] = ComponentPrefix + component }, json);

    private IReadOnlyList<string> Validate(string key, JsonNode openApiSchema, string json)
    {
        var schema = schemas.GetOrAdd(key, _ =>
        {
            // Draft 4 ignores the siblings of a $ref, so the schema sits inside an allOf beside the definitions.
            var root = new JsonObject { ["allOf"] = new JsonArray(ToJsonSchema(openApiSchema)), ["definitions"] = definitions.DeepClone() };
            return JsonSchema.FromJsonAsync(root.ToJsonString()).GetAwaiter().GetResult();
        });
        return schema.Validate(json).Select(e => $"{key}: {e}").ToList();
    }

    /// <summary>OpenAPI 3.0 schema → JSON Schema draft 4 as NJsonSchema reads it.</summary>
    private static JsonNode ToJsonSchema(JsonNode node)
    {
        switch (node)
        {
            case JsonArray array:
                return new JsonArray(array.Select(item => item is null ? null : ToJsonSchema(item)).ToArray());
            case JsonObject source:
                var schema = new JsonObject();
                foreach (var (name, value) in source)
                {
                    if (name == "nullable") continue;
                    schema[name] = name switch
                    {
                        "example" or "default" or "enum" or "required" => value?.DeepClone(),
                        "$ref" => value!.GetValue<string>().Replace(ComponentPrefix, DefinitionPrefix),
                        "properties" => EachSchema(value!.AsObject()),
                        _ => value is null ? null : ToJsonSchema(value),
                    };
                }
                if (source["nullable"]?.GetValue<bool>() == true)
                    AllowNull(schema);
                if (schema.ContainsKey("properties") && !schema.ContainsKey("additionalProperties"))
                    schema["additionalProperties"] = false;
                return schema;
            default:
                return node.DeepClone();
        }
    }

    private static JsonObject EachSchema(JsonObject named) =>
        new(named.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)ToJsonSchema(p.Value!))));

    private static void AllowNull(JsonObject schema)
    {
        if (schema["type"] is JsonValue type)
        {
            schema["type"] = new JsonArray(type.GetValue<string>(), "null");
            if (schema["enum"] is JsonArray values) values.Add(null);
        }
        else if (schema["anyOf"] is JsonArray anyOf)
            anyOf.Add(new JsonObject { ["type"] = "null" });
        else if (!schema.ContainsKey("$ref") && !schema.ContainsKey("oneOf"))
            schema["type"] = "null"; // `{nullable: true}` alone: the "or null" branch of an anyOf
    }

    private static string Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "reference", "qdrant-openapi.json");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("shared/reference/qdrant-openapi.json was not found above the test's directory");
    }
}
