namespace RagPlatform.ServiceDefaults.Errors;

/// <summary>Request validation that names the field at fault.</summary>
public static class Require
{
    public static string NotBlank(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidArgumentException(field, "is required and must not be blank");
        return value;
    }

    public static string MaxLength(string value, int max, string field)
    {
        if (value.Length > max)
            throw new InvalidArgumentException(field, $"is {value.Length} characters; the limit is {max}");
        return value;
    }

    public static int Count(int count, int min, int max, string field)
    {
        if (count < min || count > max)
            throw new InvalidArgumentException(field, $"has {count} items; between {min} and {max} are allowed");
        return count;
    }

    public static void That(bool condition, string field, string reason)
    {
        if (!condition)
            throw new InvalidArgumentException(field, reason);
    }
}
