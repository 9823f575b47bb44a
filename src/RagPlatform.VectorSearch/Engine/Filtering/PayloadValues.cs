using Google.Protobuf.WellKnownTypes;

namespace RagPlatform.VectorSearch.Engine.Filtering;

public static class PayloadValues
{
    /// <summary>The values at a dotted path of a payload; a list contributes each of its elements.</summary>
    public static List<Value> Resolve(Struct payload, string key)
    {
        var found = new List<Value>();
        Value? current = null;
        Struct? container = payload;
        foreach (var part in key.Split('.'))
        {
            if (container is null || !container.Fields.TryGetValue(part, out current))
                return found;
            container = current.KindCase == Value.KindOneofCase.StructValue ? current.StructValue : null;
        }
        if (current is null) return found;
        if (current.KindCase == Value.KindOneofCase.ListValue) found.AddRange(current.ListValue.Values);
        else found.Add(current);
        return found;
    }
}
