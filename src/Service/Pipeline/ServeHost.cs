using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenClean.Scoring.Models;
using TokenClean.Service.Observability;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Builds and runs the generic host of <c>tokenclean serve</c>. Configuration, lowest precedence first:
/// appsettings.json (working directory), <c>--config FILE</c>, environment variables
/// (<c>TokenClean__Kafka__BootstrapServers</c>), command-line flags (mapped onto the same keys).
/// </summary>
/// <remarks>
/// Seams for the other parts of the service: register an <see cref="IReferenceModelProvider"/> (the refresher) or
/// hosted services (HTTP /healthz and /status reading <see cref="IPipelineStatus"/>, the OTLP exporter reading
/// <see cref="PipelineMetrics"/>) through <c>configureServices</c>; a provider registered there wins over the
/// fixed reference this class registers with TryAdd.
/// </remarks>
internal static class ServeHost
{
    /// <summary>Extra service registrations applied to every serve host (the lead wires refresh and observability here).</summary>
    public static Action<HostApplicationBuilder>? Configure { get; set; }

    /// <summary>Runs until stopped. Exit codes: 0 clean stop, 1 fatal error, 2 bad configuration.</summary>
    /// <param name="flags">Configuration keys from the command line (highest precedence).</param>
    /// <param name="configFile">An optional JSON settings file.</param>
    /// <param name="stderr">Where configuration errors are printed.</param>
    /// <param name="cancellationToken">Stops the service gracefully, like SIGTERM.</param>
    /// <param name="configure">Extra registrations for this host (tests: a slow reference provider, a status probe).</param>
    public static int Run(
        IReadOnlyDictionary<string, string?> flags,
        string? configFile,
        TextWriter stderr,
        CancellationToken cancellationToken = default,
        Action<HostApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        IHost host;
        ServeSettings settings;
        try
        {
            host = Build(flags, configFile, configure, out settings);
        }
        catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or InvalidDataException or FormatException)
        {
            stderr.WriteLine($"error: configuration: {e.Message}");
            return 2;
        }

        using (host)
        {
            var errors = ServeSettingsValidator.Check(settings);
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    stderr.WriteLine("error: " + error);
                }

                return 2;
            }

            var exit = host.Services.GetRequiredService<ServeExit>();
            if (cancellationToken.IsCancellationRequested)
            {
                return 0; // stopped before it started: nothing was consumed
            }

            try
            {
                host.RunAsync(cancellationToken).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped while the hosted services were starting: nothing was consumed yet.
                return exit.Code;
            }
            catch (OptionsValidationException e)
            {
                foreach (var failure in e.Failures)
                {
                    stderr.WriteLine("error: " + failure);
                }

                return 2;
            }

            return exit.Code;
        }
    }

    /// <summary>Builds the host (not started) and binds the settings.</summary>
    public static IHost Build(IReadOnlyDictionary<string, string?> flags, string? configFile, Action<HostApplicationBuilder>? configure, out ServeSettings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        if (configFile is not null)
        {
            // After appsettings.json, before environment variables and flags.
            var sources = builder.Configuration.Sources;
            var json = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(configFile), optional: false).Sources[0];
            var envIndex = -1;
            for (var i = 0; i < sources.Count; i++)
            {
                if (sources[i] is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource)
                {
                    envIndex = i;
                    break;
                }
            }

            sources.Insert(envIndex < 0 ? sources.Count : envIndex, json);
        }

        builder.Configuration.AddInMemoryCollection(flags);
        settings = new ServeSettings();
        builder.Configuration.GetSection(ServeSettings.Section).Bind(settings);
        var shutdownSeconds = settings.Pipeline.ShutdownTimeoutSeconds;
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        builder.Services.AddOptions<ServeSettings>().Bind(builder.Configuration.GetSection(ServeSettings.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServeSettings>, ServeSettingsValidator>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(shutdownSeconds + 10));
        builder.Services.AddSingleton<ServeExit>();
        // Metrics, OTLP export (when an endpoint is configured) and, when TokenClean:Http:Urls is set, /healthz + /status.
        builder.Services.AddSingleton<IHealthSource>(sp => new PipelineHealth(sp.GetRequiredService<StreamingService>()));
        builder.Services.AddTokenCleanObservability(
            builder.Configuration,
            statusServer: !string.IsNullOrWhiteSpace(builder.Configuration[ServeSettings.Section + ":Http:Urls"]));
        // The status page's token inspector reads this service's own lake, decoded with its tokenizer.
        if (!string.IsNullOrWhiteSpace(settings.Lake.Root))
        {
            var lakeDir = Path.Combine(settings.Lake.Root, settings.Lake.Dataset);
            var tokenizer = string.IsNullOrWhiteSpace(settings.Models.Tokenizer) ? settings.Models.Base : settings.Models.Tokenizer;
            builder.Services.TryAddSingleton(new Inspection.LakeInspector(lakeDir, string.IsNullOrWhiteSpace(tokenizer) ? null : tokenizer));
        }

        Configure?.Invoke(builder);
        configure?.Invoke(builder);
        builder.Services.TryAddSingleton<IReferenceModelProvider>(sp =>
        {
            var s = sp.GetRequiredService<IOptions<ServeSettings>>().Value;
            var baseConfig = ModelConfig.Load(s.Models.Base!);
            if (string.IsNullOrWhiteSpace(s.Models.ReferenceRoot))
            {
                return FixedReferenceModel.LoadOnDevices(s.Models.Reference!, baseConfig, s.Models.DeviceList, s.Models.ComputeDType);
            }

            // The self-evolving loop: new reference versions under the root are validated and swapped in between batches.
            var options = new RefreshOptions
            {
                Root = s.Models.ReferenceRoot!,
                Device = s.Models.DeviceList[0],
                Devices = s.Models.DeviceList, // every scorer gets a copy of each version; a swap replaces them together
                DType = s.Models.ComputeDType,
                PollInterval = TimeSpan.FromSeconds(s.Models.RefreshPollSeconds),
                ControlTopic = string.IsNullOrWhiteSpace(s.Models.ReferenceControlTopic)
                    ? null
                    : new ControlTopicOptions
                    {
                        BootstrapServers = s.Kafka.BootstrapServers!,
                        Topic = s.Models.ReferenceControlTopic.Trim(),
                        Properties = ConnectionProperties(s.Kafka.Properties),
                    },
            };
            return ModelRefresher.StartAsync(
                options,
                baseConfig,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("TokenClean.Refresh"),
                sp.GetRequiredService<PipelineMetrics>()).GetAwaiter().GetResult();
        });
        // The actor system before the streaming service: hosted services stop in reverse order, so the service drains
        // the pipeline while the actor system still runs, and the system stops after it.
        builder.Services.AddPipelineActorSystem();
        builder.Services.AddSingleton<StreamingService>();
        builder.Services.AddSingleton<IPipelineStatus>(sp => sp.GetRequiredService<StreamingService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamingService>());
        return builder.Build();
    }

    /// <summary>
    /// The security settings of the input cluster (<c>security.*</c>, <c>sasl.*</c>, <c>ssl.*</c>), for the other
    /// clients serve opens to it; consumer-group settings such as <c>group.instance.id</c> must not be shared.
    /// </summary>
    internal static Dictionary<string, string> ConnectionProperties(Dictionary<string, string> properties)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            if (key.StartsWith("security.", StringComparison.Ordinal) || key.StartsWith("sasl.", StringComparison.Ordinal) || key.StartsWith("ssl.", StringComparison.Ordinal))
            {
                result[key] = value;
            }
        }

        return result;
    }
}
