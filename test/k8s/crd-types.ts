// TypeScript shapes of the custom resources the manifests use, transcribed from their
// CRDs (openfaas/faas-netes chart openfaas.com_functions-crd.yaml, prometheus-operator
// monitoring.coreos.com v1, KEDA 2.x keda.sh_scaledobjects.yaml, KServe
// serving.kserve.io_servingruntimes.yaml and serving.kserve.io_inferenceservices.yaml). Only the fields this repo may reasonably use are listed, so
// the excess-property check in schema.test.ts flags a typo or a field the CRD lacks.
import type { IHorizontalPodAutoscalerBehavior } from 'kubernetes-models/autoscaling/v2';
import type { IContainer, IPodSecurityContext, IVolume } from 'kubernetes-models/v1';

type Labels = Record<string, string>;
type Meta = { name: string; namespace?: string; labels?: Labels; annotations?: Labels };

export interface IFunction {
  apiVersion: 'openfaas.com/v1';
  kind: 'Function';
  metadata: Meta;
  spec: {
    name: string;
    image: string;
    handler?: string;
    annotations?: Labels;
    labels?: Labels;
    environment?: Labels;
    constraints?: string[];
    secrets?: string[];
    limits?: { cpu?: string; memory?: string };
    requests?: { cpu?: string; memory?: string };
    readOnlyRootFilesystem?: boolean;
  };
}

type RelabelConfig = {
  sourceLabels?: string[];
  separator?: string;
  targetLabel?: string;
  regex?: string;
  modulus?: number;
  replacement?: string;
  action?:
    | 'replace'
    | 'keep'
    | 'drop'
    | 'hashmod'
    | 'labelmap'
    | 'labeldrop'
    | 'labelkeep'
    | 'lowercase'
    | 'uppercase'
    | 'keepequal'
    | 'dropequal';
};
type Endpoint = {
  port?: string;
  targetPort?: number | string;
  path?: string;
  scheme?: 'http' | 'https';
  interval?: string;
  scrapeTimeout?: string;
  honorLabels?: boolean;
  relabelings?: RelabelConfig[];
  metricRelabelings?: RelabelConfig[];
};
type Selector = {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

export interface IServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: Meta;
  spec: {
    jobLabel?: string;
    targetLabels?: string[];
    podTargetLabels?: string[];
    selector: Selector;
    namespaceSelector?: { any?: boolean; matchNames?: string[] };
    endpoints: Endpoint[];
  };
}

export interface IPodMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PodMonitor';
  metadata: Meta;
  spec: {
    jobLabel?: string;
    podTargetLabels?: string[];
    selector: Selector;
    namespaceSelector?: { any?: boolean; matchNames?: string[] };
    podMetricsEndpoints: (Omit<Endpoint, 'targetPort'> & { portNumber?: number })[];
  };
}

type Rule = {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Labels;
  annotations?: Labels;
};
export interface IPrometheusRule {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PrometheusRule';
  metadata: Meta;
  spec: { groups: { name: string; interval?: string; limit?: number; rules: Rule[] }[] };
}

/**
 * The Prometheus scaler's metadata (keda.sh/docs/2.x/scalers/prometheus). KEDA's trigger
 * metadata is a map of strings: a YAML number (`threshold: 3`) is refused by the API server.
 */
type PrometheusTriggerMetadata = {
  serverAddress: string;
  query: string;
  threshold: string;
  activationThreshold?: string;
  namespace?: string;
  customHeaders?: string;
  ignoreNullValues?: 'true' | 'false';
  queryParameters?: string;
  unsafeSsl?: 'true' | 'false';
  authModes?: string;
};
type ScaledObjectTrigger = {
  type: 'prometheus';
  name?: string;
  metricType?: 'AverageValue' | 'Value';
  useCachedMetrics?: boolean;
  authenticationRef?: {
    name: string;
    kind?: 'TriggerAuthentication' | 'ClusterTriggerAuthentication';
  };
  metadata: PrometheusTriggerMetadata;
};
export interface IScaledObject {
  apiVersion: 'keda.sh/v1alpha1';
  kind: 'ScaledObject';
  metadata: Meta;
  spec: {
    scaleTargetRef: {
      apiVersion?: string;
      kind?: string;
      name: string;
      envSourceContainerName?: string;
    };
    pollingInterval?: number;
    cooldownPeriod?: number;
    initialCooldownPeriod?: number;
    idleReplicaCount?: number;
    minReplicaCount?: number;
    maxReplicaCount?: number;
    fallback?: {
      failureThreshold: number;
      replicas: number;
      behavior?:
        'static' | 'currentReplicas' | 'currentReplicasIfHigher' | 'currentReplicasIfLower';
    };
    advanced?: {
      restoreToOriginalReplicaCount?: boolean;
      horizontalPodAutoscalerConfig?: {
        name?: string;
        behavior?: IHorizontalPodAutoscalerBehavior;
      };
    };
    triggers: ScaledObjectTrigger[];
  };
}

/** KServe's protocol names (ServingRuntime protocolVersions, InferenceService protocolVersion). */
type KServeProtocol = 'v1' | 'v2' | 'grpc-v1' | 'grpc-v2';

/** A model runtime of ours: the container that serves a model format (serving.kserve.io v1alpha1). */
export interface IServingRuntime {
  apiVersion: 'serving.kserve.io/v1alpha1';
  kind: 'ServingRuntime';
  metadata: Meta;
  spec: {
    supportedModelFormats: {
      name: string;
      version?: string;
      autoSelect?: boolean;
      priority?: number;
    }[];
    protocolVersions?: KServeProtocol[];
    multiModel?: boolean;
    disabled?: boolean;
    annotations?: Labels;
    labels?: Labels;
    containers: IContainer[];
    volumes?: IVolume[];
    nodeSelector?: Labels;
    imagePullSecrets?: { name: string }[];
  };
}

/** The predictor of an InferenceService (serving.kserve.io v1beta1): model spec and pod fields. */
type Predictor = {
  model: {
    modelFormat: { name: string; version?: string };
    runtime?: string;
    protocolVersion?: KServeProtocol;
    storageUri?: string;
    args?: string[];
    env?: IContainer['env'];
    resources?: IContainer['resources'];
  };
  minReplicas?: number;
  maxReplicas?: number;
  scaleTarget?: number;
  scaleMetric?: 'cpu' | 'memory' | 'concurrency' | 'rps';
  containerConcurrency?: number;
  timeout?: number;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: IPodSecurityContext;
  terminationGracePeriodSeconds?: number;
  annotations?: Labels;
  labels?: Labels;
};

export interface IInferenceService {
  apiVersion: 'serving.kserve.io/v1beta1';
  kind: 'InferenceService';
  metadata: Meta;
  spec: { predictor: Predictor };
}

// cert-manager.io/v1 Certificate (cert-manager's crd-certificates.yaml) and Gateway API
// gateway.networking.k8s.io v1 Gateway, GRPCRoute and BackendTLSPolicy (the standard
// channel's CRDs; BackendTLSPolicy is v1 since Gateway API 1.4, whose standard install has no
// v1alpha3), the fields the prod-tls overlay may use.
type ObjectRef = { group?: string; kind?: string; name: string; namespace?: string };
type KeyUsage =
  'digital signature' | 'key encipherment' | 'server auth' | 'client auth' | 'signing';

export interface ICertificate {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Certificate';
  metadata: Meta;
  spec: {
    secretName: string;
    issuerRef: { group?: string; kind?: 'Issuer' | 'ClusterIssuer'; name: string };
    commonName?: string;
    dnsNames?: string[];
    ipAddresses?: string[];
    uris?: string[];
    duration?: string;
    renewBefore?: string;
    usages?: KeyUsage[];
    isCA?: boolean;
    privateKey?: {
      algorithm?: 'RSA' | 'ECDSA' | 'Ed25519';
      size?: number;
      encoding?: 'PKCS1' | 'PKCS8';
      rotationPolicy?: 'Never' | 'Always';
    };
    secretTemplate?: { annotations?: Labels; labels?: Labels };
  };
}

type GatewayListener = {
  name: string;
  hostname?: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';
  tls?: { mode?: 'Terminate' | 'Passthrough'; certificateRefs?: ObjectRef[] };
  allowedRoutes?: {
    namespaces?: { from?: 'All' | 'Same' | 'Selector' };
    kinds?: { group?: string; kind: string }[];
  };
};

export interface IGateway {
  apiVersion: 'gateway.networking.k8s.io/v1';
  kind: 'Gateway';
  metadata: Meta;
  spec: { gatewayClassName: string; listeners: GatewayListener[] };
}

type ParentRef = ObjectRef & { sectionName?: string; port?: number };
type BackendRef = ObjectRef & { port?: number; weight?: number };

export interface IGRPCRoute {
  apiVersion: 'gateway.networking.k8s.io/v1';
  kind: 'GRPCRoute';
  metadata: Meta;
  spec: {
    parentRefs?: ParentRef[];
    hostnames?: string[];
    rules?: {
      name?: string;
      matches?: {
        method?: { type?: 'Exact' | 'RegularExpression'; service?: string; method?: string };
        headers?: { type?: 'Exact' | 'RegularExpression'; name: string; value: string }[];
      }[];
      backendRefs?: BackendRef[];
    }[];
  };
}

export interface IBackendTLSPolicy {
  apiVersion: 'gateway.networking.k8s.io/v1';
  kind: 'BackendTLSPolicy';
  metadata: Meta;
  spec: {
    targetRefs: { group: string; kind: string; name: string; sectionName?: string }[];
    validation: {
      caCertificateRefs?: { group: string; kind: string; name: string }[];
      wellKnownCACertificates?: 'System';
      hostname: string;
      subjectAltNames?: ({ type: 'Hostname'; hostname: string } | { type: 'URI'; uri: string })[];
    };
    options?: Labels;
  };
}

/** apiVersion -> module path (relative to this folder) of the shapes above. */
export const CRD_GROUPS = new Set([
  'openfaas.com/v1',
  'monitoring.coreos.com/v1',
  'keda.sh/v1alpha1',
  'serving.kserve.io/v1alpha1',
  'serving.kserve.io/v1beta1',
  'cert-manager.io/v1',
  'gateway.networking.k8s.io/v1',
]);
