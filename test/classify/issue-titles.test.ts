import { describe, expect, it } from 'vitest';
import { classifyIncident } from '../../src/classify/classifier.js';
import { loadRules } from '../../src/classify/rule-files.js';

const rules = loadRules();

// kubernetes/kubernetes bug titles in the usual style (symptom, often negated: "does not scale down"), with only
// the kind/bug label: the title alone must name the failure class and the component.
const TITLES: [string, string][] = [
  ['kubelet fails to start with cgroup v2 on Ubuntu 22.04', 'component:kubelet component:node-os'],
  ['Pods stuck in Terminating state after node shutdown', 'failure:LeR component:kubelet'],
  ['kube-proxy ipvs mode: connection reset for long-lived connections', 'failure:Net component:kube-proxy'],
  ['Deployment rollout stuck with ProgressDeadlineExceeded', 'failure:LeR component:kube-controller-manager'],
  ['HPA does not scale down after load decreases', 'fault:scaling-policy component:autoscaler failure:MoR'],
  ['CronJob creates duplicate jobs after controller restart', 'failure:MoR component:kube-controller-manager'],
  ['apiserver OOM when listing large number of secrets', 'failure:Out component:kube-apiserver fault:resource-exhaustion'],
  ['DNS resolution intermittently fails with 5s timeout', 'failure:Net component:dns'],
  ['Node status not updated, node marked NotReady under high load', 'error:node-state component:kubelet'],
  ['PV stuck in Released state and cannot be rebound', 'error:storage-state component:storage'],
  ['Endpoints not updated when pod becomes unready', 'failure:Net error:network-config'],
  ['Job controller creates too many pods when pods fail quickly', 'failure:MoR component:kube-controller-manager'],
  ['Scheduler does not respect pod anti-affinity across zones', 'error:scheduling-constraints component:kube-scheduler'],
  ['etcd leader changes frequently causing apiserver timeouts', 'component:etcd'],
  ['Service with externalTrafficPolicy=Local drops traffic during rolling update', 'failure:Net error:network-config'],
  ['Garbage collector fails to delete orphaned ReplicaSets', 'component:kube-controller-manager error:dependency'],
  ['Admission webhook timeout causes namespace deletion to hang', 'component:admission-webhook failure:Sta'],
  ['Static pods not restarted after manifest change', 'component:kubelet'],
  ['Conntrack entries for UDP not cleared when endpoints change', 'failure:Net component:kube-proxy fault:software-bug'],
];

describe('bug titles', () => {
  it.each(TITLES)('%s', (title, expected) => {
    const result = classifyIncident({ id: 'issue', title, text: '', labels: ['kind/bug'] }, rules);
    for (const pair of expected.split(' ')) {
      const [dimension, code] = pair.split(':') as ['failure' | 'fault' | 'component' | 'error', string];
      expect(result.dimensions[dimension].values, pair).toContain(code);
    }
  });
});
