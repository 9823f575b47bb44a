using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Answering.Policy;

/// <summary>Strategies and volatilities as a policy file spells them (the proto names without their prefix).</summary>
public static class StrategyNames
{
    public static Strategy Parse(string name, string where) => name.ToUpperInvariant() switch
    {
        "RAG" => Strategy.Rag,
        "FINE_TUNED" => Strategy.FineTuned,
        "HYBRID" => Strategy.Hybrid,
        _ => throw new InvalidDataException($"{where}: strategy '{name}' is not RAG, FINE_TUNED or HYBRID"),
    };

    public static Volatility ParseVolatility(string name, string where) => name.ToUpperInvariant() switch
    {
        "UNSPECIFIED" => Volatility.Unspecified,
        "STATIC" => Volatility.Static,
        "DAILY" => Volatility.Daily,
        "HOURLY" => Volatility.Hourly,
        "REALTIME" => Volatility.Realtime,
        _ => throw new InvalidDataException($"{where}: volatility '{name}' is not STATIC, DAILY, HOURLY, REALTIME or UNSPECIFIED"),
    };

    public static string Of(Strategy strategy) => strategy switch
    {
        Strategy.Rag => "RAG",
        Strategy.FineTuned => "FINE_TUNED",
        Strategy.Hybrid => "HYBRID",
        _ => "AUTO",
    };
}
