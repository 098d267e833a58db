using Microsoft.Extensions.Logging;

namespace TokenClean.Service.Refresh;

/// <summary>The refresher's log lines (source-generated: no formatting cost when the level is off).</summary>
public sealed partial class ModelRefresher
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "reference {Version} now serving (was {Previous}); loaded from {Path}, mean probe loss {MeanLoss:F4}, load+validate {Milliseconds} ms")]
    private partial void LogAccepted(string version, string previous, string path, double meanLoss, long milliseconds);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "reference checkpoint {Version} refused, {Current} keeps serving: {Reason} ({Path})")]
    private partial void LogRefused(string version, string current, string path, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "reference version {Version} at {Path} has no {Marker} marker yet; waiting for the trainer to finish it")]
    private partial void LogIncomplete(string version, string path, string marker);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "reference version {Version} changed while it was loaded ({Path}: marker rewritten); trying again at the next check")]
    private partial void LogChangedWhileLoading(string version, string path);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "cannot list the checkpoint root {Root}: {Error}; the current reference keeps serving")]
    private partial void LogListFailed(string root, string error);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Error, Message = "reference refresh check of {Root} failed; the current reference keeps serving")]
    private partial void LogCheckFailed(Exception error, string root);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "no usable reference checkpoint under {Root} yet (a version needs its {Marker} marker); waiting up to {Timeout}")]
    private partial void LogWaitingForFirst(string root, string marker, TimeSpan timeout);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Information, Message = "control topic {Topic}: version {Version} announced at {Path}")]
    private partial void LogAnnounced(string topic, string version, string path);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Warning, Message = "control topic {Topic}: message at {Position} ignored: {Error}")]
    private partial void LogBadAnnouncement(string topic, string position, string error);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "control topic {Topic}: {Error}; polling {Root} continues")]
    private partial void LogControlTopicError(string topic, string error, string root);
}
