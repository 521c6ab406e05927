package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rcmbot/rcmbot/internal/claim"
	"github.com/rcmbot/rcmbot/internal/config"
	"github.com/rcmbot/rcmbot/internal/provider"
	"github.com/rcmbot/rcmbot/internal/store"
)

func newProvidersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "Set up the practice's rendering and referring providers (the names the 837P needs)",
		Long: `The claims files name rendering and referring providers by NPI only; the 837P
needs their names. Providers set up here (or in the web app's Providers page)
are read by every scrub and submission, and batches whose claims were held for
a provider re-scrub them as soon as it is added.`,
	}
	config.Bind(cmd.PersistentFlags(), &a.cfg, config.TemporalFlags...)
	config.Bind(cmd.PersistentFlags(), &a.cfg, "db-url", "keys", "keys-file", "decision-key", "decision-key-file", "timezone")
	var by string
	cmd.PersistentFlags().StringVar(&by, "by", "", "who sets them up (default cli:USER)")
	who := func() string {
		if by == "" {
			return cliUser()
		}
		return by
	}

	importCmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import providers from a CSV in the layout of CMS's NPPES NPI file",
		Long: `Read a CSV with the NPPES NPI file's headers (NPI and Entity Type Code required;
Provider Organization Name (Legal Business Name), Provider Last Name (Legal
Name), Provider First Name, Healthcare Provider Taxonomy Code_1 and the
practice location address columns read when present). Rows that cannot be used
are listed by row and column and left out; the others are saved. Exit status 1
when the file cannot be read at all or any row was left out.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, closeAll, err := a.claimsService(ctx)
			if err != nil {
				return err
			}
			defer closeAll()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			res, err := svc.ImportProviders(ctx, f, filepath.Base(args[0]), who())
			if err != nil {
				return userFacing(cmd, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%d providers saved, %d rows left out, %d batches re-scrubbing\n", res.Saved, len(res.RowErrors), res.Batches)
			for _, e := range res.RowErrors {
				fmt.Fprintln(cmd.ErrOrStderr(), e.Error())
			}
			if len(res.RowErrors) > 0 {
				return exitError{code: 1}
			}
			return nil
		},
	}

	var p provider.Provider
	var entity string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add (or replace) one provider",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, closeAll, err := a.claimsService(ctx)
			if err != nil {
				return err
			}
			defer closeAll()
			p.Entity = provider.Entity(entity)
			told, err := svc.SaveProviders(ctx, []provider.Provider{p}, who())
			if err != nil {
				return userFacing(cmd, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "provider %s saved, %d batches re-scrubbing\n", p.NPI, told)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&p.NPI, "npi", "", "the provider's NPI (10 digits, valid check digit)")
	f.StringVar(&entity, "entity", string(provider.Individual), "individual or organisation")
	f.StringVar(&p.LastName, "last-name", "", "last name (an individual)")
	f.StringVar(&p.FirstName, "first-name", "", "first name")
	f.StringVar(&p.Organisation, "organisation", "", "legal business name (an organisation)")
	f.StringVar(&p.Taxonomy, "taxonomy", "", "Healthcare Provider Taxonomy Code (e.g. 207Q00000X)")
	addressFlags(add, &p.Address)
	add.MarkFlagRequired("npi")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the providers set up",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openDB(ctx, nil, false)
			if err != nil {
				return err
			}
			defer db.Close()
			ps, err := db.Providers(ctx, store.All)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NPI\tTYPE\tNAME\tTAXONOMY")
			for i := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ps[i].NPI, ps[i].Entity, ps[i].Name(), ps[i].Taxonomy)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(importCmd, add, list)
	return cmd
}

// addressFlags binds a practice-location address to flags.
func addressFlags(cmd *cobra.Command, a *claim.Address) {
	f := cmd.Flags()
	f.StringVar(&a.Line1, "address", "", "practice location street address")
	f.StringVar(&a.Line2, "address2", "", "second address line")
	f.StringVar(&a.City, "city", "", "city")
	f.StringVar(&a.State, "state", "", "2-letter state")
	f.StringVar(&a.Zip, "zip", "", "5- or 9-digit ZIP code")
}
