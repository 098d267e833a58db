using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace TokenClean.Service.Observability;

/// <summary>
/// The observability settings of <c>tokenclean serve</c>, read from the <c>TokenClean</c> configuration section
/// (docs/OPERATIONS.md lists the keys and their environment-variable spelling).
/// </summary>
public sealed record ObservabilityOptions
{
    /// <summary>The configuration section every service setting lives in.</summary>
    public const string Section = "TokenClean";

    /// <summary>Where /healthz and /status listen: one or more URLs separated by <c>;</c>. Port 0 picks a free port.</summary>
    public string HttpUrls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>The OTLP collector; null turns export off.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; init; } = "http/protobuf";

    /// <summary>Period of the OTLP metric export.</summary>
    public TimeSpan OtlpExportInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Console log format: <c>simple</c> or <c>json</c>.</summary>
    public string LogFormat { get; init; } = "simple";

    /// <summary>/healthz fails when Kafka was last reachable longer ago than this.</summary>
    public TimeSpan KafkaStale { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Reads the settings from <paramref name="configuration"/> (the root, not the section). The OTLP endpoint and
    /// protocol fall back to the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> / <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
    /// looked up in the configuration first (hosts add environment variables to it) and then in the environment.
    /// </summary>
    /// <exception cref="InvalidOperationException">A value is malformed; the message names the key.</exception>
    public static ObservabilityOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var defaults = new ObservabilityOptions();

        var endpoint = NonEmpty(section["Otlp:Endpoint"]) ?? Standard(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT");
        Uri? otlp = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out otlp))
        {
            throw Malformed("Otlp:Endpoint", endpoint, "an absolute URL such as http://collector:4318");
        }

        var protocol = NonEmpty(section["Otlp:Protocol"]) ?? Standard(configuration, "OTEL_EXPORTER_OTLP_PROTOCOL") ?? defaults.OtlpProtocol;
        if (protocol is not "http/protobuf" and not "grpc")
        {
            throw Malformed("Otlp:Protocol", protocol, "http/protobuf or grpc");
        }

        var format = NonEmpty(section["Logging:Format"])?.ToLowerInvariant() ?? defaults.LogFormat;
        if (format is not "simple" and not "json")
        {
            throw Malformed("Logging:Format", format, "simple or json");
        }

        return new ObservabilityOptions
        {
            HttpUrls = NonEmpty(section["Http:Urls"]) ?? defaults.HttpUrls,
            OtlpEndpoint = otlp,
            OtlpProtocol = protocol,
            OtlpExportInterval = TimeSpan.FromMilliseconds(Positive(section, "Otlp:ExportIntervalMs", defaults.OtlpExportInterval.TotalMilliseconds)),
            LogFormat = format,
            KafkaStale = TimeSpan.FromSeconds(Positive(section, "Health:KafkaStaleSeconds", defaults.KafkaStale.TotalSeconds)),
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? Standard(IConfiguration configuration, string name) =>
        NonEmpty(configuration[name]) ?? NonEmpty(Environment.GetEnvironmentVariable(name));

    private static double Positive(IConfigurationSection section, string key, double fallback)
    {
        var text = NonEmpty(section[key]);
        if (text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0))
        {
            throw Malformed(key, text, "a positive number");
        }

        return value;
    }

    private static InvalidOperationException Malformed(string key, string value, string expected) =>
        new($"{Section}:{key} = '{value}' is not valid: expected {expected}");
}
