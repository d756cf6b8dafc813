import ArgumentParser
import Foundation

/// `relayd hash-password [--token]`: turns a password (or a bearer token) read from stdin into
/// the line to paste into an account in the config, so the config never holds the secret.
struct HashPasswordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-password",
        abstract: "Read a password (or, with --token, a bearer token) from stdin and print its hash for the accounts: list.",
        discussion: "Example: relayd hash-password <<< 'correct horse' prints password_hash: pbkdf2-sha256$...")

    @Flag(help: "Hash a bearer token (token_hash: sha256$...) instead of a password.")
    var token = false

    @Option(help: "PBKDF2 iterations for a password.")
    var iterations: Int = PasswordHash.defaultIterations

    func validate() throws {
        guard PasswordHash.iterationRange.contains(iterations) else {
            throw ValidationError("--iterations must be from \(PasswordHash.iterationRange.lowerBound) to \(PasswordHash.iterationRange.upperBound)")
        }
    }

    func run() throws {
        // One line: a trailing newline from `echo` or a terminal is not part of the secret.
        guard let secret = readLine(strippingNewline: true), !secret.isEmpty else {
            FileHandle.standardError.write(Data("relayd hash-password: nothing on stdin\n".utf8))
            throw ExitCode(2)
        }
        if token {
            print("token_hash: \(TokenHash(token: secret))")
        } else {
            print("password_hash: \(PasswordHash(password: secret, iterations: iterations))")
        }
    }
}
