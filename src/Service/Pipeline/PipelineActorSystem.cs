using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The actor system the pipeline runs in: registered in the generic host with Akka.Hosting (serve), or created
/// by a command or a test with the same configuration.
/// </summary>
/// <remarks>
/// <c>run-by-clr-shutdown-hook = off</c>: with the default, SIGTERM stops the actor system before the host drains
/// the pipeline, the graph never completes and in-flight records are not written (ENVIRONMENT.md). The host stops
/// the system itself, after the streaming service has drained (hosted services stop in reverse order).
/// </remarks>
internal static class PipelineActorSystem
{
    public const string Name = "tokenclean";

    /// <summary>HOCON: the shutdown hook off, quiet dead letters, and the pinned dispatchers of scorers and sink.</summary>
    public static readonly Config Config = ConfigurationFactory.ParseString("""
        akka {
          coordinated-shutdown.run-by-clr-shutdown-hook = off
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          loglevel = WARNING
          stdout-loglevel = WARNING
        }
        tokenclean {
          scorer-dispatcher { type = PinnedDispatcher }
          sink-dispatcher { type = PinnedDispatcher }
        }
        """);

    /// <summary>Registers the actor system in a host (its log goes to the host's loggers).</summary>
    public static IServiceCollection AddPipelineActorSystem(this IServiceCollection services) =>
        services.AddAkka(Name, akka =>
        {
            akka.AddHocon(Config, HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = Akka.Event.LogLevel.WarningLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
        });

    /// <summary>A stand-alone system (commands without a host, tests, the bench).</summary>
    public static Akka.Actor.ActorSystem Create() => Akka.Actor.ActorSystem.Create(Name, Config);
}
