package io.roam.gridctl;

import com.fasterxml.jackson.core.type.TypeReference;
import io.roam.common.api.CreateTokenRequest;
import io.roam.common.api.TokenInfo;
import io.roam.common.auth.Role;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.output.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gridctl token create|list|revoke}: the grid's API tokens (admin only). */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = "Create, list and revoke API tokens (grid admins only).",
    subcommands = {
      TokenCommands.Create.class,
      TokenCommands.List_.class,
      TokenCommands.Revoke.class
    })
final class TokenCommands {
  static final String TOKENS = "/api/v1/tokens";

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Create a token and print it: it is shown this once, the grid keeps only its hash.",
        "",
        "Example: gridctl token create alice --role owner --cluster c1"
      })
  static final class Create implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(index = "0", paramLabel = "NAME", description = "The token's name.")
    String name;

    @Option(
        names = "--role",
        required = true,
        description = "admin or owner.",
        converter = RoleConverter.class)
    Role role;

    @Option(
        names = "--principal",
        description = "Who acts with it: the owner named by clusters and jobs (default: NAME).")
    String principal;

    @Option(
        names = "--cluster",
        paramLabel = "C",
        description = "Limit an owner token to this cluster of the principal's (repeatable).")
    List<String> clusters = new ArrayList<>();

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      TokenInfo created =
          grid.client()
              .post(
                  TOKENS, new CreateTokenRequest(name, role, principal, clusters), TokenInfo.class);
      if (json) {
        Commands.json(created);
      } else {
        Commands.OUT.println(created.token());
        Commands.ERR.println(
            "gridctl: token '"
                + created.name()
                + "' ("
                + created.role().name().toLowerCase(java.util.Locale.ROOT)
                + ", principal "
                + created.principal()
                + ") created; it is shown only now: keep it");
      }
      return 0;
    }
  }

  static final class RoleConverter implements picocli.CommandLine.ITypeConverter<Role> {
    @Override
    public Role convert(String value) {
      return switch (value.toLowerCase(java.util.Locale.ROOT)) {
        case "admin" -> Role.ADMIN;
        case "owner" -> Role.OWNER;
        default ->
            throw new picocli.CommandLine.TypeConversionException(
                "--role must be admin or owner, not '" + value + "'");
      };
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tokens.")
  static final class List_ implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      ApiClient api = grid.client();
      List<TokenInfo> tokens = api.get(TOKENS, new TypeReference<List<TokenInfo>>() {});
      if (json) {
        Commands.json(tokens);
        return 0;
      }
      Table table = new Table("NAME", "ROLE", "PRINCIPAL", "CLUSTERS", "CREATED");
      for (TokenInfo t : tokens) {
        table.row(
            t.name() + (t.bootstrap() ? " (bootstrap)" : ""),
            t.role().name().toLowerCase(java.util.Locale.ROOT),
            t.principal(),
            t.clusters().isEmpty()
                ? (t.role() == Role.ADMIN ? "all" : "all owned")
                : String.join(",", t.clusters().stream().map(Object::toString).toList()),
            t.createdAt());
      }
      table.print(Commands.OUT);
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revoke a token: it stops working at once.")
  static final class Revoke implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(index = "0", paramLabel = "NAME", description = "The token's name.")
    String name;

    @Override
    public Integer call() {
      grid.client().delete(TOKENS + "/" + name);
      Commands.ERR.println("gridctl: token '" + name + "' revoked");
      return 0;
    }
  }
}
