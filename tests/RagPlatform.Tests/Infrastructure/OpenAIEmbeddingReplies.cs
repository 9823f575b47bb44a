using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>Replies in the shape of OpenAI's /v1/embeddings, for <see cref="ScriptedHttpServer"/>.</summary>
public static class OpenAIEmbeddingReplies
{
    /// <summary>The texts of an embeddings request ("input" is a string or an array of them).</summary>
    public static IReadOnlyList<string> Inputs(RecordedRequest request)
    {
        var input = JsonNode.Parse(request.Body)!["input"]!;
        return input is JsonArray array ? [.. array.Select(item => item!.GetValue<string>())] : [input.GetValue<string>()];
    }

    /// <summary>
    /// One vector per input from <paramref name="vectorFor"/>, encoded as the request asked (the
    /// OpenAI client asks for base64 floats), with usage of one token per character.
    /// </summary>
    public static ScriptedReply Success(RecordedRequest request, Func<string, float[]> vectorFor)
    {
        var inputs = Inputs(request);
        bool base64 = JsonNode.Parse(request.Body)!["encoding_format"]?.GetValue<string>() == "base64";
        var data = new JsonArray();
        for (int i = 0; i < inputs.Count; i++)
        {
            var vector = vectorFor(inputs[i]);
            JsonNode embedding = base64
                ? JsonValue.Create(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())))
                : new JsonArray([.. vector.Select(v => (JsonNode?)JsonValue.Create(v))]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }
        int tokens = inputs.Sum(text => text.Length);
        var body = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = "scripted",
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        };
        return new ScriptedReply(200, body.ToJsonString());
    }

    /// <summary>An error in OpenAI's shape: {"error": {"message", "type", "code"}}.</summary>
    public static ScriptedReply Error(int status, string message, string? code = null, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.Serialize(new { error = new { message, type = "error", code } }), headers);
}
