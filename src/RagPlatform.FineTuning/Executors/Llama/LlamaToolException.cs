using Grpc.Core;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Executors.Llama;

/// <summary>A llama.cpp tool failed or overran; the job fails with this status and message.</summary>
public sealed class LlamaToolException(StatusCode code, string message) : PlatformException(code, message);
