// Command kindnetd-standin is TEST CODE that plays kindnetd's part on the harness's kind nodes: kind's
// kindnetd image cannot be pulled here and its source module is not served by the Go module proxy.
// kind's own CNI manifest runs it on every node (host network, NET_ADMIN). Like kindnetd, it writes the
// node's CNI configuration (ptp + host-local on the node's podCIDR, portmap) and keeps a route to every
// other node's podCIDR through that node's InternalIP, so pods reach each other across nodes, and,
// like kindnetd, masquerades what pods send outside the pod subnet ($POD_SUBNET, from kind's manifest),
// so pods reach the host and beyond with the node's address. Unlike kindnetd it does not enforce
// NetworkPolicies.
package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const (
	cniConfigFile = "/etc/cni/net.d/10-kindnet.conflist"
	resyncPeriod  = 5 * time.Second
)

func main() {
	nodeName, err := os.Hostname() // host network: the node container's hostname is the node name
	if err != nil {
		log.Fatalf("kindnetd-standin: hostname: %v", err)
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		log.Fatalf("kindnetd-standin: in-cluster config: %v", err)
	}
	client := kubernetes.NewForConfigOrDie(cfg)
	log.Printf("kindnetd-standin: node %s, host IP %s", nodeName, os.Getenv("HOST_IP"))
	routes := map[string]string{} // podCIDR -> gateway, as last logged
	podSubnet := os.Getenv("POD_SUBNET")
	if podSubnet == "" {
		podSubnet = "10.244.0.0/16"
		log.Printf("kindnetd-standin: no POD_SUBNET in the environment: masquerading outside %s", podSubnet)
	}
	for {
		if err := sync(client, nodeName, routes); err != nil {
			log.Printf("kindnetd-standin: %v", err)
		}
		if err := ensureMasquerade(podSubnet); err != nil {
			log.Printf("kindnetd-standin: %v", err)
		}
		time.Sleep(resyncPeriod)
	}
}

func sync(client kubernetes.Interface, self string, routes map[string]string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing nodes: %w", err)
	}
	for i := range nodes.Items {
		node := &nodes.Items[i]
		cidr := node.Spec.PodCIDR
		if cidr == "" {
			continue
		}
		if node.Name == self {
			if err := writeCNIConfig(cidr); err != nil {
				return err
			}
			continue
		}
		gateway := internalIP(node)
		if gateway == "" {
			continue
		}
		// Replaced on every pass (idempotent), so a route someone deleted comes back; logged on change.
		out, err := exec.Command("ip", "route", "replace", cidr, "via", gateway).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip route replace %s via %s: %v: %s", cidr, gateway, err, bytes.TrimSpace(out))
		}
		if routes[cidr] != gateway {
			routes[cidr] = gateway
			log.Printf("kindnetd-standin: route %s via %s (node %s)", cidr, gateway, node.Name)
		}
	}
	return nil
}

func internalIP(node *corev1.Node) string {
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

// writeCNIConfig writes the CNI configuration for the node's pod range, replacing it atomically
// (the kubelet's runtime reads the directory while we write) and only when it changes.
func writeCNIConfig(podCIDR string) error {
	config := fmt.Sprintf(`{
  "cniVersion": "0.3.1",
  "name": "kindnet",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": 1500,
      "ipam": {
        "type": "host-local",
        "dataDir": "/run/cni-ipam-state",
        "routes": [{ "dst": "0.0.0.0/0" }],
        "ranges": [[{ "subnet": %q }]]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
`, podCIDR)
	if old, err := os.ReadFile(cniConfigFile); err == nil && string(old) == config {
		return nil
	}
	tmp := filepath.Join(filepath.Dir(cniConfigFile), ".10-kindnet.conflist.tmp")
	if err := os.WriteFile(tmp, []byte(config), 0o644); err != nil {
		return fmt.Errorf("writing the CNI configuration: %w", err)
	}
	if err := os.Rename(tmp, cniConfigFile); err != nil {
		return fmt.Errorf("writing the CNI configuration: %w", err)
	}
	log.Printf("kindnetd-standin: wrote %s for pod range %s", cniConfigFile, podCIDR)
	return nil
}

// ensureMasquerade keeps one NAT rule: traffic from the pod subnet to anywhere outside it leaves with
// the node's address. It goes into the iptables backend (legacy or nft) that already holds the node's
// rules, as kube-proxy's launcher chooses; checked on every pass, so a flushed table gets it back.
func ensureMasquerade(podSubnet string) error {
	mode := "nft"
	if count("iptables-legacy-save") >= count("iptables-nft-save") {
		mode = "legacy"
	}
	iptables := "iptables-" + mode
	rule := []string{"POSTROUTING", "-s", podSubnet, "!", "-d", podSubnet,
		"-m", "comment", "--comment", "kindnetd-standin: pods leaving the pod subnet", "-j", "MASQUERADE"}
	if exec.Command(iptables, append([]string{"-t", "nat", "-C"}, rule...)...).Run() == nil {
		return nil
	}
	out, err := exec.Command(iptables, append([]string{"-t", "nat", "-A"}, rule...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s -t nat -A %v: %v: %s", iptables, rule, err, bytes.TrimSpace(out))
	}
	log.Printf("kindnetd-standin: masquerading traffic from %s leaving it (%s)", podSubnet, iptables)
	return nil
}

// count answers how many rules an iptables-save prints (0 when it cannot run).
func count(save string) int {
	out, err := exec.Command(save).Output()
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range bytes.Split(out, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("-")) {
			n++
		}
	}
	return n
}
