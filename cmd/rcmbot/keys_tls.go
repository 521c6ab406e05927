package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/pki"
)

// Default names in `rcmbot keys tls`: the frontend's host names in
// docker-compose and on one machine, and the programs that call it.
var (
	defaultTLSHosts   = []string{"temporal", "localhost", "127.0.0.1"}
	defaultTLSClients = []string{"rcmbot", "temporal-ui", "temporal-admin"}
)

func newKeysTLSCmd() *cobra.Command {
	var o pki.DirOptions
	var out string
	var days int
	cmd := &cobra.Command{
		Use:   "tls --out DIR",
		Short: "Make the CA and certificates for mutual TLS to the Temporal frontend",
		Long: `Make (or complete) a certificate directory for running the Temporal frontend
with mutual TLS: a private CA (ca.pem, ca-key.pem), the frontend's certificate
(server.pem, server-key.pem) for --hosts, and one client certificate per
--clients name (NAME.pem, NAME-key.pem). What exists is kept, so running it
again is safe; --renew reissues the server and client certificates from the
same CA. rcmbot reads its client certificate through TEMPORAL_TLS_CLIENT_CERT_PATH,
TEMPORAL_TLS_CLIENT_KEY_PATH and TEMPORAL_TLS_SERVER_CA_CERT_PATH; the Temporal
server's configuration (internal/topology/temporal/rcmbot.yaml) reads the rest.

Keep ca-key.pem away from the machines that run rcmbot: it signs new
certificates. With --group, keys are made readable by that group (0640) for
containers that share the directory as a volume.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("name the directory to write with --out")
			}
			o.ValidFor = time.Duration(days) * 24 * time.Hour
			res, err := pki.WriteDir(out, o)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(res.Written) > 0 {
				fmt.Fprintf(w, "wrote %s in %s\n", strings.Join(res.Written, ", "), out)
			}
			if len(res.Kept) > 0 {
				fmt.Fprintf(w, "kept %s (use --renew to reissue the certificates)\n", strings.Join(res.Kept, ", "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "directory to write the certificates into (created 0700)")
	f.StringSliceVar(&o.Hosts, "hosts", defaultTLSHosts, "DNS names and IP addresses of the Temporal frontend (the first is its certificate's common name)")
	f.StringSliceVar(&o.Clients, "clients", defaultTLSClients, "names of the client certificates to make")
	f.IntVar(&days, "days", 397, "how many days the server and client certificates are valid")
	f.BoolVar(&o.Renew, "renew", false, "reissue existing server and client certificates (the CA is kept)")
	f.IntVar(&o.Group, "group", -1, "numeric group that may read the keys (0640) and the directory (0750); -1 keeps them private to the owner")
	return cmd
}
