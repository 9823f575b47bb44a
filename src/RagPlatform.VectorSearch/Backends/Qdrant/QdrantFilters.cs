using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using Range = RagPlatform.Contracts.Vectors.V1.Range;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// Translates the contract's filter into Qdrant's, clause for clause, keeping the contract's meaning
/// (the one <c>FilterEvaluator</c> implements) where Qdrant's nearest construct differs.
/// </summary>
public static class QdrantFilters
{
    public static JsonObject? Translate(Filter? filter, string field = "filter") =>
        filter is null ? null : ToJson(filter, field);

    private static JsonObject ToJson(Filter filter, string field)
    {
        var json = new JsonObject();
        AddClause(json, "must", filter.Must, $"{field}.must");
        AddClause(json, "should", filter.Should, $"{field}.should");
        AddClause(json, "must_not", filter.MustNot, $"{field}.must_not");
        return json;
    }

    private static void AddClause(JsonObject json, string clause, IReadOnlyList<Condition> conditions, string field)
    {
        if (conditions.Count > 0)
            json[clause] = new JsonArray(conditions.Select((c, i) => ToJson(c, $"{field}[{i}]")).ToArray());
    }

    private static JsonNode ToJson(Condition condition, string field) => condition.ConditionCase switch
    {
        // A filter is itself a condition in Qdrant.
        Condition.ConditionOneofCase.Filter => ToJson(condition.Filter, $"{field}.filter"),
        Condition.ConditionOneofCase.HasId => new JsonObject
        {
            ["has_id"] = new JsonArray(condition.HasId.Ids.Distinct().Select(id => (JsonNode)QdrantPointIds.ToUuid(id)).ToArray()),
        },
        Condition.ConditionOneofCase.Field => ToJson(condition.Field, $"{field}.field"),
        _ => throw new InvalidArgumentException(field, "sets no condition (field, filter or has_id)"),
    };

    private static JsonNode ToJson(FieldCondition condition, string field)
    {
        var key = condition.Key;
        switch (condition.TestCase)
        {
            case FieldCondition.TestOneofCase.Match:
                return Match(key, new JsonObject { ["value"] = MatchValue(condition.Match, field) });
            case FieldCondition.TestOneofCase.Any:
                // Qdrant's `any` holds strings or integers, not both: a mix becomes either one.
                var options = AnyOf(key, condition.Any);
                return options.Count == 1 ? options[0] : new JsonObject { ["should"] = new JsonArray([.. options]) };
            case FieldCondition.TestOneofCase.Except:
                // The contract's `except` is "present, and no value is one of these". Qdrant's own
                // `except` passes a list holding any other value, so say it with must_not instead.
                var excluded = AnyOf(key, condition.Except);
                excluded.Add(new JsonObject { ["is_empty"] = new JsonObject { ["key"] = key } });
                return new JsonObject { ["must_not"] = new JsonArray([.. excluded]) };
            case FieldCondition.TestOneofCase.Range:
                return new JsonObject { ["key"] = key, ["range"] = Bounds(condition.Range, $"{field}.range") };
            case FieldCondition.TestOneofCase.DatetimeRange:
                return new JsonObject { ["key"] = key, ["range"] = Bounds(condition.DatetimeRange) };
            default:
                throw new InvalidArgumentException(field, "sets no test (match, any, except, range or datetime_range)");
        }
    }

    private static JsonObject Match(string key, JsonObject match) => new() { ["key"] = key, ["match"] = match };

    private static JsonNode MatchValue(MatchValue match, string field) => match.ValueCase switch
    {
        Contracts.Vectors.V1.MatchValue.ValueOneofCase.Keyword => JsonValue.Create(match.Keyword),
        Contracts.Vectors.V1.MatchValue.ValueOneofCase.Integer => JsonValue.Create(match.Integer),
        Contracts.Vectors.V1.MatchValue.ValueOneofCase.Boolean => JsonValue.Create(match.Boolean),
        _ => throw new InvalidArgumentException($"{field}.match", "sets no value"),
    };

    private static List<JsonNode> AnyOf(string key, MatchAny any)
    {
        var options = new List<JsonNode>();
        if (any.Keywords.Count > 0)
            options.Add(Match(key, new JsonObject { ["any"] = new JsonArray(any.Keywords.Distinct().Select(k => (JsonNode)k).ToArray()) }));
        if (any.Integers.Count > 0)
            options.Add(Match(key, new JsonObject { ["any"] = new JsonArray(any.Integers.Distinct().Select(i => (JsonNode)i).ToArray()) }));
        return options;
    }

    private static JsonObject Bounds(Range range, string field)
    {
        var json = new JsonObject();
        void Bound(string name, bool has, double value)
        {
            if (!has) return;
            Require.That(double.IsFinite(value), $"{field}.{name}", "must be a finite number");
            json[name] = value;
        }
        Bound("gt", range.HasGt, range.Gt);
        Bound("gte", range.HasGte, range.Gte);
        Bound("lt", range.HasLt, range.Lt);
        Bound("lte", range.HasLte, range.Lte);
        return json;
    }

    private static JsonObject Bounds(DatetimeRange range)
    {
        var json = new JsonObject();
        void Bound(string name, Timestamp? value)
        {
            if (value is not null)
                json[name] = value.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        }
        Bound("gt", range.Gt);
        Bound("gte", range.Gte);
        Bound("lt", range.Lt);
        Bound("lte", range.Lte);
        return json;
    }
}
