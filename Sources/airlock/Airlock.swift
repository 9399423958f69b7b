import AirlockApp

