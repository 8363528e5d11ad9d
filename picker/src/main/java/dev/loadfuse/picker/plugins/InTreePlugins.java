package dev.loadfuse.picker.plugins;

import dev.loadfuse.picker.flowcontrol.FlowPolicyPlugin;
import dev.loadfuse.picker.plugins.datalayer.metrics.ModelServerMetricsPlugin;
import dev.loadfuse.picker.plugins.datalayer.source.MetricsDataSource;
import dev.loadfuse.picker.plugins.datalayer.source.NotificationSource;
import dev.loadfuse.picker.plugins.parser.RequestParser;
import dev.loadfuse.picker.plugins.producer.ApproxPrefixCacheProducer;
import dev.loadfuse.picker.plugins.producer.InflightLoadProducer;
import dev.loadfuse.picker.plugins.filter.bylabel.ByLabelFilter;
import dev.loadfuse.picker.plugins.filter.headerbased.HeaderBasedTestingFilter;
import dev.loadfuse.picker.plugins.filter.gpuhealth.GpuHealthFilter;
import dev.loadfuse.picker.plugins.filter.labelselector.LabelSelectorFilter;
import dev.loadfuse.picker.plugins.filter.prefixaffinity.PrefixCacheAffinityFilter;
import dev.loadfuse.picker.plugins.filter.role.RoleFilters;
import dev.loadfuse.picker.plugins.scorer.contextlength.ContextLengthAware;
import dev.loadfuse.picker.plugins.scorer.loadaware.LoadAwareScorer;
import dev.loadfuse.picker.plugins.scorer.tokenload.TokenLoadScorer;
import dev.loadfuse.picker.plugins.scorer.gpumemory.GpuMemoryHeadroomScorer;
import dev.loadfuse.picker.plugins.scorer.gpuutilization.GpuUtilizationScorer;
import dev.loadfuse.picker.plugins.scorer.lora.LoraAffinityScorer;
import dev.loadfuse.picker.plugins.picker.maxscore.MaxScorePicker;
import dev.loadfuse.picker.plugins.picker.TopK;
import dev.loadfuse.picker.plugins.picker.random.RandomPicker;
import dev.loadfuse.picker.plugins.picker.weightedrandom.WeightedRandomPicker;
import dev.loadfuse.picker.plugins.profile.single.SingleProfileHandler;
import dev.loadfuse.picker.plugins.response.servedverifier.DestinationEndpointServedVerifier;
import dev.loadfuse.picker.plugins.scorer.kvcache.KvCacheUtilizationScorer;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixCacheScorer;
import dev.loadfuse.picker.plugins.scorer.preciseprefix.PrecisePrefixCacheScorer;
import dev.loadfuse.picker.plugins.scorer.queue.QueueScorer;
import dev.loadfuse.picker.plugins.scorer.runningrequests.RunningRequestsSizeScorer;
import dev.loadfuse.picker.plugins.saturation.concurrency.ConcurrencyDetector;
import dev.loadfuse.picker.plugins.saturation.utilization.UtilizationDetector;
import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.config.PluginFactory;
import dev.loadfuse.picker.scheduling.config.PluginRegistry;
import java.util.function.BiFunction;
import java.util.function.Function;

/** The one place where the plugins shipped with the picker are registered. */
public final class InTreePlugins {

  private InTreePlugins() {}

  /** Registers every in-tree plugin type in {@code registry} and returns it. */
  public static PluginRegistry registerAll(PluginRegistry registry) {
    registry.register(ByLabelFilter.TYPE, ByLabelFilter::create);
    registry.register(HeaderBasedTestingFilter.TYPE, noParameters(HeaderBasedTestingFilter::new));
    registry.register(DestinationEndpointServedVerifier.TYPE, noParameters(DestinationEndpointServedVerifier::new));
    registry.register(LabelSelectorFilter.TYPE, (n, p) -> LabelSelectorFilter.create(LabelSelectorFilter.TYPE, n, p));
    registry.register(LabelSelectorFilter.DEPRECATED_TYPE,
        (n, p) -> LabelSelectorFilter.create(LabelSelectorFilter.DEPRECATED_TYPE, n, p));
    registry.register(QueueScorer.TYPE, noParameters(QueueScorer::new));
    registry.register(KvCacheUtilizationScorer.TYPE, noParameters(KvCacheUtilizationScorer::new));
    registry.register(RunningRequestsSizeScorer.TYPE, noParameters(RunningRequestsSizeScorer::new));
    registry.register(PrefixCacheScorer.TYPE, PrefixCacheScorer::create);
    registry.register(PrecisePrefixCacheScorer.TYPE, PrecisePrefixCacheScorer::create);
    registry.register(LoraAffinityScorer.TYPE, noParameters(LoraAffinityScorer::new));
    registry.register(GpuHealthFilter.TYPE, GpuHealthFilter::create);
    registry.register(GpuMemoryHeadroomScorer.TYPE, noParameters(GpuMemoryHeadroomScorer::new));
    registry.register(GpuUtilizationScorer.TYPE, noParameters(GpuUtilizationScorer::new));
    registry.register(UtilizationDetector.TYPE, UtilizationDetector::create);
    registry.register(ConcurrencyDetector.TYPE, ConcurrencyDetector::create);
    registry.register(MaxScorePicker.TYPE, topK(MaxScorePicker::new));
    registry.register(RandomPicker.TYPE, topK(RandomPicker::new));
    registry.register(WeightedRandomPicker.TYPE, topK(WeightedRandomPicker::new));
    registry.register(SingleProfileHandler.TYPE, noParameters(SingleProfileHandler::new));
    FlowPolicyPlugin.registerAll(registry);
    registry.register(ModelServerMetricsPlugin.TYPE,
        (name, p) -> ModelServerMetricsPlugin.create(ModelServerMetricsPlugin.TYPE, name, p));
    registry.register(ModelServerMetricsPlugin.TYPE_LLM_D,
        (name, p) -> ModelServerMetricsPlugin.create(ModelServerMetricsPlugin.TYPE_LLM_D, name, p));
    registry.register(MetricsDataSource.TYPE, MetricsDataSource::create);
    registry.register(NotificationSource.ENDPOINT, NotificationSource::endpoint);
    registry.register(NotificationSource.K8S, NotificationSource::kubernetes);
    registry.register(RequestParser.OPENAI, RequestParser::openAi);
    registry.register(RequestParser.PASSTHROUGH, RequestParser::passthrough);
    registry.register(ApproxPrefixCacheProducer.TYPE, ApproxPrefixCacheProducer::create);
    registry.register(InflightLoadProducer.TYPE, InflightLoadProducer::create);
    registry.register(TokenLoadScorer.TYPE, TokenLoadScorer::create);
    registry.register(LoadAwareScorer.TYPE, LoadAwareScorer::create);
    registry.register(ContextLengthAware.TYPE, ContextLengthAware::create);
    registry.register(PrefixCacheAffinityFilter.TYPE, PrefixCacheAffinityFilter::create);
    registry.register(RoleFilters.DECODE, noParameters(RoleFilters::decode));
    registry.register(RoleFilters.PREFILL, noParameters(RoleFilters::prefill));
    registry.register(RoleFilters.ENCODE, noParameters(RoleFilters::encode));
    return registry;
  }

  /** The factory of a plugin that takes no parameters (any given are rejected as unknown keys). */
  private static PluginFactory noParameters(Function<String, Plugin> constructor) {
    return (name, parameters) -> constructor.apply(name);
  }

  /** The factory of a picker whose one parameter is {@code maxNumOfEndpoints}. */
  private static PluginFactory topK(BiFunction<String, Integer, Plugin> constructor) {
    return (name, parameters) -> constructor.apply(name, TopK.maxNumOfEndpoints(parameters));
  }

  /** A new registry with every in-tree plugin. */
  public static PluginRegistry registry() {
    return registerAll(new PluginRegistry());
  }
}
