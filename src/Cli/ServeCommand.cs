using System.CommandLine;
using System.Runtime.InteropServices;
using TokenClean.Service.Pipeline;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean serve</c>: the streaming service. Consumes samples from Kafka, tokenizes, scores, selects and writes
/// them to the data lake exactly once (docs/SERVICE.md). Every flag maps onto a configuration key, which can also
/// come from appsettings.json or an environment variable.
/// </summary>
internal static class ServeCommand
{
    private static readonly (string Flag, string Key, string Help)[] Flags =
    [
        ("--kafka", "Kafka:BootstrapServers", "Kafka bootstrap servers (host:port,...)."),
        ("--topics", "Kafka:Topics", "Input topics, comma-separated."),
        ("--group", "Kafka:GroupId", "Consumer group id (default tokenclean)."),
        ("--group-protocol", "Kafka:GroupProtocol", "Consumer group protocol: classic (default; every broker) or consumer (KIP-848; brokers 4.0+, faster rebalances)."),
        ("--dead-letter-topic", "Kafka:DeadLetterTopic", "Dead-letter topic; empty = files under <lake>/<dataset>/dead-letters/."),
        ("--lake", "Lake:Root", "Data lake root directory."),
        ("--dataset", "Lake:Dataset", "Dataset folder under the lake root (default cleaned)."),
        ("--format", "Lake:Format", "Lake file format: arrow (Arrow IPC stream; default), arrow-file or parquet (zstd)."),
        ("--compression", "Lake:Compression", "Arrow IPC body compression of lake files: none (default; memory-mappable), zstd or lz4."),
        ("--emit-losses", "Lake:EmitLosses", "true or false (default): also write the per-token base_loss and ref_loss columns to the lake (the token inspector shows them)."),
        ("--output-topic", "Output:Topic", "Kafka topic that also receives every row as Arrow IPC stream messages (acks=all, before the offset is committed)."),
        ("--output-compression", "Output:Compression", "Arrow IPC body compression of --output-topic messages: none (default), zstd or lz4."),
        ("--lake-rows", "Output:LakeRows", "true (default) or false: with false, rows go to --output-topic only and the lake keeps offsets and dead letters."),
        ("--base", "Models:Base", "Base model checkpoint directory (config.json + safetensors)."),
        ("--ref", "Models:Reference", "Fixed reference model checkpoint directory."),
        ("--ref-root", "Models:ReferenceRoot", "Directory of reference versions to refresh from (instead of --ref)."),
        ("--refresh-poll-seconds", "Models:RefreshPollSeconds", "Seconds between looks at --ref-root for a new complete version (default 30)."),
        ("--ref-control-topic", "Models:ReferenceControlTopic", "Kafka topic on which a trainer announces new reference versions under --ref-root (picked up at once; default: polling only)."),
        ("--tokenizer", "Models:Tokenizer", "tokenizer.json or a model directory (default: the base model directory)."),
        ("--chat-template", "Models:ChatTemplate", "Chat template: the model's own (default) or chatml, llama3, llama2, tulu, alpaca."),
        ("--device", "Models:Device", "Scoring device (default cpu)."),
        ("--dtype", "Models:DType", "Compute dtype of the models: fp32 (default), bf16 (about 2x faster on CPUs with AMX/AVX512-BF16, slower than fp32 on CPUs with neither), or fp16 where the device supports it."),
        ("--devices", "Models:Devices", "Several scoring devices, one scorer each with its own base and reference models, e.g. cuda:0,cuda:1 (replaces --device)."),
        ("--max-length", "Models:MaxTokens", "Longest sample in tokens; longer ones are dead-lettered (default: the models' context)."),
        ("--keep", "Selection:KeepRatio", "Fraction of response tokens to keep (default 0.6)."),
        ("--selection", "Selection:Mode", "window (global top-k over windows; default), quantile (top k of everything so far, no windows) or per-sample."),
        ("--window-samples", "Selection:WindowSamples", "Samples per selection window (default 1024)."),
        ("--window-tokens", "Selection:WindowTokens", "Response tokens per selection window (default 0 = no limit)."),
        ("--batch-tokens", "Batching:MaxTokens", "Token budget of one forward pass (default 16384)."),
        ("--max-delay-ms", "Batching:MaxDelayMs", "A partial batch is scored after this many ms (default 50)."),
        ("--shutdown-timeout", "Pipeline:ShutdownTimeoutSeconds", "Seconds a graceful shutdown may take (default 30)."),
        ("--http", "Http:Urls", "URLs of the HTTP endpoints /healthz and /status, e.g. http://127.0.0.1:8080 (unset: no HTTP endpoints)."),
    ];

    public static Command Create()
    {
        var command = new Command(
            "serve",
            "Run the streaming service: Kafka in, cleaned Arrow records into the data lake, bad samples to dead letters. " +
            "Each flag sets a configuration key of section TokenClean, which can also come from appsettings.json or an " +
            "environment variable (TokenClean__Kafka__BootstrapServers). SIGTERM/Ctrl-C drains, commits and exits 0; " +
            "exit 2 = bad configuration, 1 = fatal error.");
        var options = new List<(Option<string> Option, string Key)>();
        foreach (var (flag, key, help) in Flags)
        {
            var option = new Option<string>(flag)
            {
                Description = $"{help} [TokenClean:{key}; env TokenClean__{key.Replace(":", "__", StringComparison.Ordinal)}]",
            };
            command.Options.Add(option);
            options.Add((option, key));
        }

        var properties = new Option<string[]>("--kafka-property")
        {
            Description = "librdkafka setting KEY=VALUE, repeatable (SASL/SSL: security.protocol, sasl.mechanism, ...) [TokenClean:Kafka:Properties:KEY]",
            AllowMultipleArgumentsPerToken = false,
        };
        var config = new Option<string>("--config") { Description = "A JSON settings file (same shape as appsettings.json)." };
        command.Options.Add(properties);
        command.Options.Add(config);

        // A synchronous action on purpose: System.CommandLine then installs no SIGTERM handler of its own (its 2 s
        // termination timeout would cut the drain short); the host's console lifetime handles the signals.
        command.SetAction(parse =>
        {
            var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (option, key) in options)
            {
                if (parse.GetValue(option) is { } value)
                {
                    flags[ServeSettings.Section + ":" + key] = value;
                }
            }

            foreach (var pair in parse.GetValue(properties) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"error: --kafka-property expects KEY=VALUE, got '{pair}'");
                    return 2;
                }

                flags[ServeSettings.Section + ":Kafka:Properties:" + pair[..eq]] = pair[(eq + 1)..];
            }

            // Listen for SIGTERM/SIGINT from the first moment: the host's console lifetime only registers its handlers
            // once the host starts, and a signal before that (an orchestrator stopping a replica that is still
            // starting) would otherwise kill the process with 143 instead of a clean exit 0.
            using var stop = new CancellationTokenSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, stop));
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, stop));
            return ServeHost.Run(flags, parse.GetValue(config), parse.InvocationConfiguration.Error, stop.Token);
        });
        return command;
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true; // no default termination: the host drains and exits 0
        stop.Cancel();
    }
}
