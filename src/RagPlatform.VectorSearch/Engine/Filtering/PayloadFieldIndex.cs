using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.VectorSearch.Engine.Filtering;

/// <summary>
/// For each indexed keyword, integer or boolean payload field, the slots holding each value. A
/// filter whose "must" conditions test indexed fields for equality is answered from these sets
/// (then checked whole against only those candidates) instead of by scanning every point; this is
/// what keeps per-document deletes and counts cheap in large collections.
/// </summary>
public sealed class PayloadFieldIndex
{
    private readonly Dictionary<string, Dictionary<string, HashSet<int>>> fields = new(StringComparer.Ordinal);

    public PayloadFieldIndex(IEnumerable<Contracts.Vectors.V1.PayloadIndex> declared)
    {
        foreach (var field in declared)
            if (field.Type is PayloadFieldType.Keyword or PayloadFieldType.Integer or PayloadFieldType.Bool)
                fields[field.Field] = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
    }

    public void Add(int slot, Struct payload)
    {
        foreach (var (field, values) in fields)
            foreach (var value in PayloadValues.Resolve(payload, field))
                if (KeyOf(value) is { } key)
                {
                    if (!values.TryGetValue(key, out var slots)) values[key] = slots = [];
                    slots.Add(slot);
                }
    }

    public void Remove(int slot, Struct payload)
    {
        foreach (var (field, values) in fields)
            foreach (var value in PayloadValues.Resolve(payload, field))
                if (KeyOf(value) is { } key && values.TryGetValue(key, out var slots) && slots.Remove(slot) && slots.Count == 0)
                    values.Remove(key);
    }

    /// <summary>
    /// A superset of the slots the filter admits, from its indexed "must" equality conditions,
    /// or null when it has none (then every point is a candidate).
    /// </summary>
    public HashSet<int>? Candidates(Filter? filter)
    {
        if (filter is null) return null;
        HashSet<int>? result = null;
        foreach (var condition in filter.Must)
        {
            if (condition.ConditionCase != Condition.ConditionOneofCase.Field || !fields.TryGetValue(condition.Field.Key, out var values))
                continue;
            List<string?>? keys = condition.Field.TestCase switch
            {
                FieldCondition.TestOneofCase.Match => [KeyOf(condition.Field.Match)],
                FieldCondition.TestOneofCase.Any => [.. condition.Field.Any.Keywords.Select(k => "s:" + k),
                    .. condition.Field.Any.Integers.Select(i => "n:" + i)],
                _ => null,
            };
            if (keys is null) continue;
            var matching = new HashSet<int>();
            foreach (var key in keys)
                if (key is not null && values.TryGetValue(key, out var slots)) matching.UnionWith(slots);
            if (result is null) result = matching;
            else result.IntersectWith(matching);
        }
        return result;
    }

    private static string? KeyOf(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => "s:" + value.StringValue,
        Value.KindOneofCase.NumberValue when value.NumberValue == Math.Floor(value.NumberValue) => "n:" + (long)value.NumberValue,
        Value.KindOneofCase.BoolValue => value.BoolValue ? "b:1" : "b:0",
        _ => null,
    };

    private static string? KeyOf(MatchValue match) => match.ValueCase switch
    {
        MatchValue.ValueOneofCase.Keyword => "s:" + match.Keyword,
        MatchValue.ValueOneofCase.Integer => "n:" + match.Integer,
        MatchValue.ValueOneofCase.Boolean => match.Boolean ? "b:1" : "b:0",
        _ => null,
    };
}
