// The error model lives in the `AirlockErrors` target so that `SigV4` and `Transport`, which do not import
// AirlockCore, adopt it too; AirlockCore re-exports it so `import AirlockCore` keeps bringing `AirlockFailure`.
@_exported public import AirlockErrors
