using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.VectorSearch.Engine.Filtering;

/// <summary>Rejects a malformed filter with INVALID_ARGUMENT naming the exact condition at fault.</summary>
public static class FilterValidator
{
    private const int MaxDepth = 8;

    public static void Validate(Filter? filter, string field, int depth = 0)
    {
        if (filter is null) return;
        Require.That(depth < MaxDepth, field, $"nests deeper than {MaxDepth} levels");
        Validate(filter.Must, $"{field}.must", depth);
        Validate(filter.Should, $"{field}.should", depth);
        Validate(filter.MustNot, $"{field}.must_not", depth);
    }

    private static void Validate(IReadOnlyList<Condition> conditions, string field, int depth)
    {
        for (int i = 0; i < conditions.Count; i++)
        {
            var path = $"{field}[{i}]";
            var condition = conditions[i];
            switch (condition.ConditionCase)
            {
                case Condition.ConditionOneofCase.Filter:
                    Validate(condition.Filter, $"{path}.filter", depth + 1);
                    break;
                case Condition.ConditionOneofCase.HasId:
                    Require.That(condition.HasId.Ids.Count > 0, $"{path}.has_id.ids", "must list at least one id");
                    break;
                case Condition.ConditionOneofCase.Field:
                    Validate(condition.Field, $"{path}.field");
                    break;
                default:
                    throw new InvalidArgumentException(path, "sets no condition (field, filter or has_id)");
            }
        }
    }

    private static void Validate(FieldCondition condition, string path)
    {
        Require.NotBlank(condition.Key, $"{path}.key");
        Require.That(!condition.Key.Split('.').Any(string.IsNullOrEmpty), $"{path}.key", "has an empty path segment");
        switch (condition.TestCase)
        {
            case FieldCondition.TestOneofCase.Match:
                Require.That(condition.Match.ValueCase != MatchValue.ValueOneofCase.None, $"{path}.match", "sets no value");
                break;
            case FieldCondition.TestOneofCase.Any:
                Require.That(condition.Any.Keywords.Count + condition.Any.Integers.Count > 0, $"{path}.any", "lists no values");
                break;
            case FieldCondition.TestOneofCase.Except:
                Require.That(condition.Except.Keywords.Count + condition.Except.Integers.Count > 0, $"{path}.except", "lists no values");
                break;
            case FieldCondition.TestOneofCase.Range:
                var r = condition.Range;
                Require.That(r.HasGt || r.HasGte || r.HasLt || r.HasLte, $"{path}.range", "sets no bound");
                break;
            case FieldCondition.TestOneofCase.DatetimeRange:
                var d = condition.DatetimeRange;
                Require.That(d.Gt is not null || d.Gte is not null || d.Lt is not null || d.Lte is not null, $"{path}.datetime_range", "sets no bound");
                break;
            default:
                throw new InvalidArgumentException(path, "sets no test (match, any, except, range or datetime_range)");
        }
    }
}
