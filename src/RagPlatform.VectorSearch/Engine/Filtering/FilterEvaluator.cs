using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;
using Range = RagPlatform.Contracts.Vectors.V1.Range;

namespace RagPlatform.VectorSearch.Engine.Filtering;

/// <summary>Decides whether a point's id and payload satisfy a filter, with Qdrant's semantics.</summary>
public static class FilterEvaluator
{
    public static bool Matches(Filter? filter, string id, Struct payload)
    {
        if (filter is null) return true;
        foreach (var condition in filter.Must)
            if (!Matches(condition, id, payload)) return false;
        foreach (var condition in filter.MustNot)
            if (Matches(condition, id, payload)) return false;
        if (filter.Should.Count == 0) return true;
        foreach (var condition in filter.Should)
            if (Matches(condition, id, payload)) return true;
        return false;
    }

    private static bool Matches(Condition condition, string id, Struct payload) => condition.ConditionCase switch
    {
        Condition.ConditionOneofCase.Filter => Matches(condition.Filter, id, payload),
        Condition.ConditionOneofCase.HasId => condition.HasId.Ids.Contains(id),
        Condition.ConditionOneofCase.Field => Matches(condition.Field, payload),
        _ => false,
    };

    private static bool Matches(FieldCondition field, Struct payload)
    {
        var values = PayloadValues.Resolve(payload, field.Key);
        if (field.TestCase == FieldCondition.TestOneofCase.Except)
            return values.Count > 0 && !values.Any(v => MatchesAny(field.Except, v));
        foreach (var value in values)
        {
            bool hit = field.TestCase switch
            {
                FieldCondition.TestOneofCase.Match => MatchesValue(field.Match, value),
                FieldCondition.TestOneofCase.Any => MatchesAny(field.Any, value),
                FieldCondition.TestOneofCase.Range => InRange(field.Range, value),
                FieldCondition.TestOneofCase.DatetimeRange => InRange(field.DatetimeRange, value),
                _ => false,
            };
            if (hit) return true;
        }
        return false;
    }

    private static bool MatchesValue(MatchValue match, Value value) => match.ValueCase switch
    {
        MatchValue.ValueOneofCase.Keyword => value.KindCase == Value.KindOneofCase.StringValue && value.StringValue == match.Keyword,
        MatchValue.ValueOneofCase.Integer => value.KindCase == Value.KindOneofCase.NumberValue && value.NumberValue == match.Integer,
        MatchValue.ValueOneofCase.Boolean => value.KindCase == Value.KindOneofCase.BoolValue && value.BoolValue == match.Boolean,
        _ => false,
    };

    private static bool MatchesAny(MatchAny any, Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => any.Keywords.Contains(value.StringValue),
        Value.KindOneofCase.NumberValue => any.Integers.Any(i => i == value.NumberValue),
        _ => false,
    };

    private static bool InRange(Range range, Value value)
    {
        if (value.KindCase != Value.KindOneofCase.NumberValue) return false;
        double x = value.NumberValue;
        return (!range.HasGt || x > range.Gt) && (!range.HasGte || x >= range.Gte)
            && (!range.HasLt || x < range.Lt) && (!range.HasLte || x <= range.Lte);
    }

    private static bool InRange(DatetimeRange range, Value value)
    {
        if (value.KindCase != Value.KindOneofCase.StringValue
            || !DateTimeOffset.TryParse(value.StringValue, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var time))
            return false;
        return (range.Gt is null || time > range.Gt.ToDateTimeOffset()) && (range.Gte is null || time >= range.Gte.ToDateTimeOffset())
            && (range.Lt is null || time < range.Lt.ToDateTimeOffset()) && (range.Lte is null || time <= range.Lte.ToDateTimeOffset());
    }
}
