using System.Globalization;
using Microsoft.Extensions.Options;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Lake;
using TokenClean.Scoring.Selection;

namespace TokenClean.Service.Pipeline;

/// <summary>Checks <see cref="ServeSettings"/> at start; every message names the configuration key that is wrong.</summary>
internal sealed partial class ServeSettingsValidator : IValidateOptions<ServeSettings>
{
    private const string K = ServeSettings.Section + ":";

    public ValidateOptionsResult Validate(string? name, ServeSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static List<string> Check(ServeSettings s)
    {
        var e = new List<string>();
        if (string.IsNullOrWhiteSpace(s.Kafka.BootstrapServers))
        {
            e.Add(K + "Kafka:BootstrapServers is required (--kafka, TokenClean__Kafka__BootstrapServers)");
        }

        if (s.Kafka.TopicList.Count == 0)
        {
            e.Add(K + "Kafka:Topics is required: a comma-separated list of input topics (--topics)");
        }

        if (string.IsNullOrWhiteSpace(s.Kafka.GroupId))
        {
            e.Add(K + "Kafka:GroupId must not be empty");
        }

        Positive(e, "Kafka:CommitIntervalMs", s.Kafka.CommitIntervalMs);
        CheckGroupProtocol(e, s.Kafka);
        if (string.IsNullOrWhiteSpace(s.Lake.Root))
        {
            e.Add(K + "Lake:Root is required: the data lake directory (--lake)");
        }

        if (string.IsNullOrWhiteSpace(s.Lake.Dataset) || s.Lake.Dataset.Contains('/', StringComparison.Ordinal) || s.Lake.Dataset.StartsWith('.'))
        {
            e.Add(K + $"Lake:Dataset must be a single folder name, got '{s.Lake.Dataset}'");
        }

        Positive(e, "Lake:MaxRecordsPerFile", s.Lake.MaxRecordsPerFile);
        if (!(s.Lake.MaxFileAgeSeconds > 0))
        {
            e.Add(K + "Lake:MaxFileAgeSeconds must be greater than 0");
        }

        if (!LakeFileFormatNames.TryParse(s.Lake.Format, out _))
        {
            e.Add(K + $"Lake:Format must be arrow, arrow-file or parquet, got '{s.Lake.Format}'");
        }

        if (!ArrowCompressionNames.TryParse(s.Lake.Compression, out _))
        {
            e.Add(K + $"Lake:Compression must be none, zstd or lz4, got '{s.Lake.Compression}'");
        }

        if (!ArrowCompressionNames.TryParse(s.Output.Compression, out _))
        {
            e.Add(K + $"Output:Compression must be none, zstd or lz4, got '{s.Output.Compression}'");
        }

        if (!s.Output.LakeRows && string.IsNullOrWhiteSpace(s.Output.Topic))
        {
            e.Add(K + "Output:LakeRows is false but Output:Topic (--output-topic) is not set: the rows would go nowhere");
        }

        Positive(e, "Output:MaxRecordsPerMessage", s.Output.MaxRecordsPerMessage);
        Directory(e, "Models:Base", s.Models.Base, required: true);
        var hasRef = !string.IsNullOrWhiteSpace(s.Models.Reference);
        var hasRoot = !string.IsNullOrWhiteSpace(s.Models.ReferenceRoot);
        if (hasRef == hasRoot)
        {
            e.Add(K + "Models:Reference (--ref, a fixed checkpoint) or Models:ReferenceRoot (--ref-root, a refreshed directory) is required, not both");
        }

        if (!string.IsNullOrWhiteSpace(s.Models.ReferenceControlTopic) && !hasRoot)
        {
            e.Add(K + "Models:ReferenceControlTopic (--ref-control-topic) announces versions of Models:ReferenceRoot (--ref-root), which is not set");
        }

        Positive(e, "Models:RefreshPollSeconds", s.Models.RefreshPollSeconds);
        Directory(e, "Models:Reference", s.Models.Reference, required: false);
        Directory(e, "Models:ReferenceRoot", s.Models.ReferenceRoot, required: false);
        if (!string.IsNullOrWhiteSpace(s.Models.Tokenizer) && !File.Exists(s.Models.Tokenizer) && !System.IO.Directory.Exists(s.Models.Tokenizer))
        {
            e.Add(K + $"Models:Tokenizer: no such file or directory '{s.Models.Tokenizer}'");
        }

        CheckDevices(e, s.Models);
        if (s.Models.MaxTokens < 0)
        {
            e.Add(K + "Models:MaxTokens must be 0 (the models' context length) or positive");
        }

        if (!(s.Selection.KeepRatio >= 0 && s.Selection.KeepRatio <= 1))
        {
            e.Add(K + "Selection:KeepRatio must be in [0, 1], got " + s.Selection.KeepRatio.ToString(CultureInfo.InvariantCulture));
        }

        if (s.Selection.Mode is not (SelectionPolicies.Window or SelectionPolicies.Quantile or SelectionPolicies.PerSample or SelectionPolicies.Threshold))
        {
            // 'global' needs the whole input before it can write anything: clean offers it, a stream cannot.
            e.Add(K + $"Selection:Mode must be 'window', 'quantile', 'per-sample' or 'threshold', got '{s.Selection.Mode}'");
        }

        if (s.Selection.Mode == SelectionPolicies.Threshold && s.Selection.Threshold is null)
        {
            e.Add(K + "Selection:Threshold is required with Selection:Mode 'threshold'");
        }

        if (s.Selection.Threshold is { } threshold && !double.IsFinite(threshold))
        {
            e.Add(K + "Selection:Threshold must be a finite number");
        }

        if (s.Selection.MinKeptPerSample < 0)
        {
            e.Add(K + "Selection:MinKeptPerSample must be 0 (off) or positive");
        }

        if (!(s.Selection.SoftWeightTemperature > 0 && double.IsFinite(s.Selection.SoftWeightTemperature)))
        {
            e.Add(K + "Selection:SoftWeightTemperature must be a positive number");
        }

        Positive(e, "Selection:WindowSamples", s.Selection.WindowSamples);
        if (s.Selection.WindowTokens < 0)
        {
            e.Add(K + "Selection:WindowTokens must be 0 (no limit) or positive");
        }

        Positive(e, "Batching:MaxTokens", s.Batching.MaxTokens);
        Positive(e, "Batching:MaxDelayMs", s.Batching.MaxDelayMs);
        Positive(e, "Pipeline:TokenizeParallelism", s.Pipeline.TokenizeParallelism);
        Positive(e, "Pipeline:TokenizeCapacity", s.Pipeline.TokenizeCapacity);
        Positive(e, "Pipeline:BatcherCapacity", s.Pipeline.BatcherCapacity);
        Positive(e, "Pipeline:BatchCapacity", s.Pipeline.BatchCapacity);
        Positive(e, "Pipeline:PauseAfterMs", s.Pipeline.PauseAfterMs);
        if (!(s.Pipeline.ShutdownTimeoutSeconds > 0))
        {
            e.Add(K + "Pipeline:ShutdownTimeoutSeconds must be greater than 0");
        }

        return e;
    }

    /// <summary>The group protocol, and the pass-through settings it forbids (librdkafka would refuse them at Build()).</summary>
    private static void CheckGroupProtocol(List<string> e, ServeSettings.KafkaSettings k)
    {
        if (!string.Equals(k.GroupProtocol, ServeSettings.KafkaSettings.ClassicProtocol, StringComparison.OrdinalIgnoreCase) && !k.UsesConsumerProtocol)
        {
            e.Add(K + $"Kafka:GroupProtocol must be 'classic' or 'consumer' (KIP-848, brokers 4.0+), got '{k.GroupProtocol}'");
            return;
        }

        if (k.Properties.ContainsKey("group.protocol"))
        {
            e.Add(K + "Kafka:Properties:group.protocol: set the group protocol with Kafka:GroupProtocol (--group-protocol) instead");
        }

        if (k.UsesConsumerProtocol)
        {
            foreach (var key in ServeSettings.KafkaSettings.ClassicOnlyProperties.Where(k.Properties.ContainsKey))
            {
                e.Add(K + $"Kafka:Properties:{key} cannot be set with Kafka:GroupProtocol=consumer: with KIP-848 the broker owns it " +
                      "(group.consumer.* broker settings); remove it or use the classic protocol");
            }
        }
    }

    /// <summary>Device strings as libtorch names them, checked by the engine too (an absent GPU is refused here, at start).</summary>
    private static void CheckDevices(List<string> e, ServeSettings.ModelSettings m)
    {
        if (TokenClean.Scoring.DTypes.ParseCompute(m.DType) is null)
        {
            e.Add(K + $"Models:DType must be fp32, bf16 or fp16, got '{m.DType}'");
        }

        var key = string.IsNullOrWhiteSpace(m.Devices) ? "Models:Device" : "Models:Devices";
        var devices = m.DeviceList;
        if (devices.Count == 0)
        {
            e.Add(K + key + $" lists no device, got '{m.Devices}'");
            return;
        }

        foreach (var device in devices)
        {
            if (!DevicePattern().IsMatch(device))
            {
                e.Add(K + key + $": '{device}' is not a device; use cpu, cuda or cuda:N (comma-separated for several scorers)");
                continue;
            }

            try
            {
                TokenClean.Scoring.Torch.CheckDevice(device);
            }
            catch (Exception x) when (x is TokenClean.Scoring.TorchException or DllNotFoundException or EntryPointNotFoundException)
            {
                e.Add(K + key + $": device '{device}' is not usable here: {x.Message}");
                continue;
            }

            try
            {
                TokenClean.Scoring.Torch.CheckDType(device, TokenClean.Scoring.DTypes.ParseCompute(m.DType) ?? TokenClean.Scoring.DType.Float32); // a bad name is reported above
            }
            catch (TokenClean.Scoring.TorchException x)
            {
                e.Add(K + "Models:DType: " + x.Message);
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(cpu|cuda(:[0-9]{1,3})?)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex DevicePattern();

    private static void Positive(List<string> e, string key, long value)
    {
        if (value < 1)
        {
            e.Add(K + key + " must be at least 1, got " + value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void Directory(List<string> e, string key, string? path, bool required)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            if (required)
            {
                e.Add(K + key + " is required (a checkpoint directory)");
            }
        }
        else if (!System.IO.Directory.Exists(path))
        {
            e.Add(K + key + $": no such directory '{path}'");
        }
    }
}
